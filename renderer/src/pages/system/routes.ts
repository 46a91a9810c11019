import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/system',
    name: 'system',
    component: () => import('./SystemPage.vue'),
    meta: { titleKey: 'system.title', nav: { labelKey: 'system.nav', icon: 'Monitor', order: 95, permission: 'system.read' } },
  },
] satisfies AreaRoute[];
