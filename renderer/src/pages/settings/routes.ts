import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/settings',
    name: 'settings',
    component: () => import('./SettingsPage.vue'),
    meta: { titleKey: 'settings.title', nav: { labelKey: 'settings.nav', icon: 'Setting', order: 80, permission: 'settings.read' } },
  },
] satisfies AreaRoute[];
