import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/inventory',
    name: 'inventory',
    component: () => import('./InventoryPage.vue'),
    meta: { titleKey: 'inventory.title', nav: { labelKey: 'inventory.nav', icon: 'Box', order: 75, permission: 'store.read' } },
  },
] satisfies AreaRoute[];
