import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/feedback',
    name: 'feedback',
    component: () => import('./FeedbackPage.vue'),
    meta: { titleKey: 'feedback.title', nav: { labelKey: 'feedback.nav', icon: 'ChatDotSquare', order: 40, permission: 'feedback.read' } },
  },
] satisfies AreaRoute[];
