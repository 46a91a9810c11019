import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/care',
    name: 'care',
    component: () => import('./CarePage.vue'),
    meta: { titleKey: 'care.title', nav: { labelKey: 'care.nav', icon: 'Present', order: 42, permission: 'campaigns.read' } },
  },
] satisfies AreaRoute[];
