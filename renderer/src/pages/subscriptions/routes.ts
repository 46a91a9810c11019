import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/subscriptions',
    name: 'subscriptions',
    component: () => import('./SubscriptionsPage.vue'),
    meta: { titleKey: 'subscriptions.title', nav: { labelKey: 'subscriptions.nav', icon: 'Bell', order: 25, permission: 'members.read' } },
  },
] satisfies AreaRoute[];
