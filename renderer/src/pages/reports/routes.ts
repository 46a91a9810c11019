import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/reports',
    name: 'reports',
    component: () => import('./ReportsPage.vue'),
    meta: { titleKey: 'reports.title', nav: { labelKey: 'reports.nav', icon: 'DataAnalysis', order: 85, permission: 'reports.read' } },
  },
  /** 设置 › 短信费用: reached from the Settings page and from the cost report (no menu entry of its own). */
  {
    path: '/settings/sms-prices',
    name: 'settings-sms-prices',
    component: () => import('./PricesPage.vue'),
    meta: { titleKey: 'reports.prices.title', permission: 'reports.read' },
  },
] satisfies AreaRoute[];
