import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/store',
    name: 'store',
    component: () => import('./StorePage.vue'),
    meta: { titleKey: 'store.title', nav: { labelKey: 'store.nav', icon: 'Connection', order: 70, permission: 'store.read' } },
  },
] satisfies AreaRoute[];
