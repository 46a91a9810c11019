import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/messages',
    name: 'messages-send',
    component: () => import('./SendPage.vue'),
    meta: { titleKey: 'messages.send.title', nav: { labelKey: 'messages.nav', icon: 'ChatLineSquare', order: 30, permission: 'messages.send' } },
  },
  {
    path: '/messages/outbox',
    name: 'messages-outbox',
    component: () => import('./OutboxPage.vue'),
    meta: { titleKey: 'messages.outbox.title', permission: 'messages.read' },
  },
  {
    path: '/messages/batches',
    name: 'messages-batches',
    component: () => import('./BatchesPage.vue'),
    meta: { titleKey: 'messages.batches.title', permission: 'messages.read' },
  },
  {
    path: '/messages/inbox',
    name: 'messages-inbox',
    component: () => import('./InboxPage.vue'),
    meta: { titleKey: 'messages.inbox.title', permission: 'messages.read' },
  },
] satisfies AreaRoute[];
