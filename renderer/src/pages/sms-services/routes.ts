import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/sms-services',
    name: 'sms-services',
    component: () => import('./SmsServicesPage.vue'),
    meta: { titleKey: 'smsServices.title', nav: { labelKey: 'smsServices.nav', icon: 'Message', order: 55, permission: 'services.read' } },
  },
] satisfies AreaRoute[];
