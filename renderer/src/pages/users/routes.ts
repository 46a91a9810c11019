import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/users',
    name: 'users',
    component: () => import('./UsersPage.vue'),
    meta: { titleKey: 'users.title', nav: { labelKey: 'users.nav', icon: 'User', order: 90, permission: 'users.manage' } },
  },
] satisfies AreaRoute[];
