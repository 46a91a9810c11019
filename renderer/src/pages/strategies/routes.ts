import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/strategies',
    name: 'strategies',
    component: () => import('./StrategiesPage.vue'),
    meta: { titleKey: 'strategies.title', nav: { labelKey: 'strategies.nav', icon: 'TrendCharts', order: 58, permission: 'strategies.read' } },
  },
] satisfies AreaRoute[];
