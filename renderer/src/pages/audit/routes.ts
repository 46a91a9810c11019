import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/audit',
    name: 'audit',
    component: () => import('./AuditPage.vue'),
    meta: { titleKey: 'audit.title', nav: { labelKey: 'audit.nav', icon: 'Tickets', order: 100, permission: 'audit.read' } },
  },
] satisfies AreaRoute[];
