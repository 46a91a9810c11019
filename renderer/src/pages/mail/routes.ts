import type { AreaRoute } from '../../router/types';

/** 设置 › 邮件: reached from the Settings page (no menu entry of its own). */
export default [
  {
    path: '/settings/mail',
    name: 'settings-mail',
    component: () => import('./MailSettingsPage.vue'),
    meta: { titleKey: 'mail.title', permission: 'settings.read' },
  },
] satisfies AreaRoute[];
