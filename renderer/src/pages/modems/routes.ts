import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/modems',
    name: 'modems',
    component: () => import('./ModemsPage.vue'),
    meta: { titleKey: 'modems.title', nav: { labelKey: 'modems.nav', icon: 'Cellphone', order: 60, permission: 'modems.read' } },
  },
] satisfies AreaRoute[];
