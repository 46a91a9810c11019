import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import {
  messagesApi,
  type ContactGroupDto,
  type ModemChoiceDto,
  type ConversationDetailDto,
  type ConversationDto,
  type MessageDetailDto,
  type MessageCategory,
  type MessageStatus,
  type OutboxMessageDto,
  type OutboxStatusDto,
  type SendBodyDto,
  type SendTallyDto,
  type UnknownResolution,
} from '../api/messages';
import { batchesApi } from '../api/batches';

/** The 短信 area: sending, the outbox / sent log, and the inbox. */
export const useMessagesStore = defineStore('messages', () => {
  // --- send ---
  const checking = ref(false);
  const sending = ref(false);

  async function check(body: SendBodyDto): Promise<SendTallyDto> {
    checking.value = true;
    try {
      return await messagesApi.check(body);
    } finally {
      checking.value = false;
    }
  }

  async function send(body: SendBodyDto): Promise<SendTallyDto> {
    sending.value = true;
    try {
      return await messagesApi.send(body);
    } finally {
      sending.value = false;
    }
  }

  /** What the send form offers: modems to pin to ("send via") and contact groups with their sizes. */
  const modemChoices = ref<ModemChoiceDto[]>([]);
  const groups = ref<ContactGroupDto[]>([]);
  const groupsLoading = ref(false);

  async function loadModemChoices(): Promise<void> {
    modemChoices.value = (await messagesApi.modems()).items;
  }

  /** Counting every group's members takes a moment on a large store: loaded when a group is to be picked. */
  async function loadGroups(): Promise<void> {
    groupsLoading.value = true;
    try {
      groups.value = (await messagesApi.groups()).items;
    } finally {
      groupsLoading.value = false;
    }
  }

  // --- outbox ---
  const items = ref<OutboxMessageDto[]>([]);
  const total = ref(0);
  const query = reactive({ status: '' as MessageStatus | '', category: '' as MessageCategory | '', batchId: '', q: '', page: 1, pageSize: 50 });
  const loading = ref(false);
  const status = ref<OutboxStatusDto | null>(null);
  const detail = ref<MessageDetailDto | null>(null);
  const detailLoading = ref(false);
  const resolving = ref(false);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const [page, counts] = await Promise.all([messagesApi.search({ ...query, q: query.q.trim() }), messagesApi.status()]);
      items.value = page.items;
      total.value = page.total;
      status.value = counts;
    } finally {
      loading.value = false;
    }
  }

  async function open(id: number): Promise<void> {
    detailLoading.value = true;
    try {
      detail.value = await messagesApi.detail(id);
    } finally {
      detailLoading.value = false;
    }
  }

  async function resolve(id: number, action: UnknownResolution): Promise<OutboxMessageDto> {
    resolving.value = true;
    try {
      const message = await messagesApi.resolve(id, action);
      await load();
      if (detail.value?.message.id === id) await open(id);
      return message;
    } finally {
      resolving.value = false;
    }
  }

  /** Withdraws one message no modem has yet. */
  async function cancel(id: number): Promise<OutboxMessageDto> {
    resolving.value = true;
    try {
      const message = await batchesApi.cancelMessage(id);
      await load();
      if (detail.value?.message.id === id) await open(id);
      return message;
    } finally {
      resolving.value = false;
    }
  }

  /** A live status change: patch the row in place instead of reloading the page. */
  function applyStatus(change: { id: number; status: MessageStatus }): boolean {
    const row = items.value.find((m) => m.id === change.id);
    if (row) row.status = change.status;
    return row !== undefined;
  }

  // --- inbox ---
  const conversations = ref<ConversationDto[]>([]);
  const conversationTotal = ref(0);
  const inboxQuery = reactive({ q: '', unhandledOnly: false, page: 1, pageSize: 100 });
  const inboxLoading = ref(false);
  const thread = ref<ConversationDetailDto | null>(null);
  const threadLoading = ref(false);
  const replying = ref(false);

  async function loadConversations(): Promise<void> {
    inboxLoading.value = true;
    try {
      const page = await messagesApi.conversations({ ...inboxQuery, q: inboxQuery.q.trim() });
      conversations.value = page.items;
      conversationTotal.value = page.total;
    } finally {
      inboxLoading.value = false;
    }
  }

  async function openThread(id: number): Promise<void> {
    threadLoading.value = true;
    try {
      thread.value = await messagesApi.conversation(id);
    } finally {
      threadLoading.value = false;
    }
  }

  async function reply(id: number, text: string): Promise<{ messageId: number | null; blocked: Record<string, number> }> {
    replying.value = true;
    try {
      const result = await messagesApi.reply(id, text);
      await Promise.all([openThread(id), loadConversations()]);
      return result;
    } finally {
      replying.value = false;
    }
  }

  async function markHandled(id: number): Promise<void> {
    await messagesApi.markHandled(id);
    await Promise.all([openThread(id), loadConversations()]);
  }

  return {
    checking,
    sending,
    check,
    send,
    modemChoices,
    groups,
    groupsLoading,
    loadModemChoices,
    loadGroups,
    items,
    total,
    query,
    loading,
    status,
    detail,
    detailLoading,
    resolving,
    load,
    open,
    resolve,
    cancel,
    applyStatus,
    conversations,
    conversationTotal,
    inboxQuery,
    inboxLoading,
    thread,
    threadLoading,
    replying,
    loadConversations,
    openThread,
    reply,
    markHandled,
  };
});
