import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/policy',
    name: 'policy',
    component: () => import('./PolicyPage.vue'),
    meta: { titleKey: 'policy.title', nav: { labelKey: 'policy.nav', icon: 'Timer', order: 52, permission: 'settings.read' } },
  },
] satisfies AreaRoute[];
