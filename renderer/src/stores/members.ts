import { defineStore } from 'pinia';
import { ref } from 'vue';
import {
  membersApi,
  type ImportMode,
  type ImportResult,
  type MemberCreateInput,
  type MemberDetail,
  type MemberFilter,
  type MemberMessagesResult,
  type MemberSort,
  type MemberSummary,
  type MemberUpdateInput,
  type PurchasesResult,
} from '../api/members';

export const useMembersStore = defineStore('members', () => {
  const filter = ref<MemberFilter>({});
  const sort = ref<MemberSort | undefined>(undefined);
  const page = ref(1);
  const pageSize = ref(20);
  const items = ref<MemberSummary[]>([]);
  const total = ref(0);
  const totalExact = ref(true);
  const loading = ref(false);
  const tags = ref<Array<{ tag: string; count: number }>>([]);

  const detail = ref<MemberDetail | null>(null);
  const detailLoading = ref(false);
  const purchases = ref<PurchasesResult | null>(null);
  const purchasesLoading = ref(false);
  const messages = ref<MemberMessagesResult | null>(null);
  const messagesLoading = ref(false);
  const saving = ref(false);
  const importing = ref(false);

  async function search(): Promise<void> {
    loading.value = true;
    try {
      const result = await membersApi.search(filter.value, sort.value, page.value, pageSize.value);
      items.value = result.items;
      total.value = result.total;
      totalExact.value = result.totalExact;
    } finally {
      loading.value = false;
    }
  }

  async function loadTags(): Promise<void> {
    tags.value = (await membersApi.tags()).items;
  }

  async function open(id: number): Promise<void> {
    detailLoading.value = true;
    purchases.value = null;
    messages.value = null;
    try {
      detail.value = await membersApi.get(id);
    } finally {
      detailLoading.value = false;
    }
    await loadPurchases(1);
  }

  /** Texts exchanged with the open member, newest first; older pages are appended. */
  async function loadMessages(messagePage: number): Promise<void> {
    if (!detail.value) return;
    messagesLoading.value = true;
    try {
      const result = await membersApi.messages(detail.value.id, messagePage, 20);
      messages.value = messagePage === 1 || !messages.value ? result : { ...result, items: [...messages.value.items, ...result.items] };
    } finally {
      messagesLoading.value = false;
    }
  }

  async function loadPurchases(purchasePage: number): Promise<void> {
    if (!detail.value) return;
    purchasesLoading.value = true;
    try {
      purchases.value = await membersApi.purchases(detail.value.id, purchasePage, 10);
    } finally {
      purchasesLoading.value = false;
    }
  }

  async function create(input: MemberCreateInput): Promise<MemberDetail> {
    saving.value = true;
    try {
      const created = await membersApi.create(input);
      await search();
      return created;
    } finally {
      saving.value = false;
    }
  }

  async function update(id: number, changes: MemberUpdateInput): Promise<MemberDetail> {
    saving.value = true;
    try {
      const updated = await membersApi.update(id, changes);
      if (detail.value?.id === id) detail.value = updated;
      await Promise.all([search(), loadTags()]);
      return updated;
    } finally {
      saving.value = false;
    }
  }

  async function importFile(file: File, mode: ImportMode, dryRun: boolean): Promise<ImportResult> {
    importing.value = true;
    try {
      const result = await membersApi.import(file, mode, dryRun);
      if (result.committed) await Promise.all([search(), loadTags()]);
      return result;
    } finally {
      importing.value = false;
    }
  }

  return {
    filter,
    sort,
    page,
    pageSize,
    items,
    total,
    totalExact,
    loading,
    tags,
    detail,
    detailLoading,
    purchases,
    purchasesLoading,
    messages,
    messagesLoading,
    loadMessages,
    saving,
    importing,
    search,
    loadTags,
    open,
    loadPurchases,
    create,
    update,
    importFile,
    exportUrl: (format: 'csv' | 'xlsx') => membersApi.exportUrl(filter.value, format),
  };
});
