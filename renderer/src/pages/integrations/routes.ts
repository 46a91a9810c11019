import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/integrations',
    name: 'integrations',
    component: () => import('./IntegrationsPage.vue'),
    meta: { titleKey: 'integrations.title', nav: { labelKey: 'integrations.nav', icon: 'Link', order: 78, permission: 'integrations.read' } },
  },
] satisfies AreaRoute[];
