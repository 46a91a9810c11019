import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/templates',
    name: 'templates',
    component: () => import('./TemplatesPage.vue'),
    meta: { titleKey: 'templates.title', nav: { labelKey: 'templates.nav', icon: 'Collection', order: 35, permission: 'messages.send' } },
  },
] satisfies AreaRoute[];
