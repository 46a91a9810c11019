import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/reports',
    name: 'reports',
    component: () => import('./ReportsPage.vue'),
    meta: { titleKey: 'reports.title', nav: { labelKey: 'reports.nav', icon: 'DataAnalysis', order: 85, permission: 'reports.read' } },
  },
] satisfies AreaRoute[];
