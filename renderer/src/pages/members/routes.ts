import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/members',
    name: 'members',
    component: () => import('./MembersPage.vue'),
    meta: { titleKey: 'members.title', nav: { labelKey: 'members.nav', icon: 'User', order: 20, permission: 'members.read' } },
  },
] satisfies AreaRoute[];
