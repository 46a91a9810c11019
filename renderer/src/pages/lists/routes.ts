import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/lists',
    name: 'lists',
    component: () => import('./ListsPage.vue'),
    meta: { titleKey: 'lists.title', nav: { labelKey: 'lists.nav', icon: 'Filter', order: 50, permission: 'lists.read' } },
  },
] satisfies AreaRoute[];
