import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/dashboard',
    name: 'dashboard',
    component: () => import('./DashboardPage.vue'),
    meta: { titleKey: 'dashboard.title', nav: { labelKey: 'dashboard.nav', icon: 'Odometer', order: 10, permission: 'dashboard.read' } },
  },
] satisfies AreaRoute[];
