import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/campaigns',
    name: 'campaigns',
    component: () => import('./CampaignsPage.vue'),
    meta: { titleKey: 'campaigns.title', nav: { labelKey: 'campaigns.nav', icon: 'Promotion', order: 40, permission: 'campaigns.read' } },
  },
  {
    path: '/campaigns/:id(\\d+)',
    name: 'campaign-report',
    component: () => import('./CampaignReportPage.vue'),
    meta: { titleKey: 'campaigns.reportTitle', permission: 'campaigns.read' },
  },
] satisfies AreaRoute[];
