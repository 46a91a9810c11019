import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import { feedbackApi, type Assignee, type FeedbackCountsDto, type TicketDetailDto, type TicketDto, type TicketKind, type TicketListQuery } from '../api/feedback';

/** 意见反馈: the ticket list with its filters, the open ticket's detail, the figures. */
export const useFeedbackStore = defineStore('feedback', () => {
  const query = reactive<TicketListQuery>({ state: 'open', kind: '', overdue: false, q: '', page: 1, pageSize: 20 });
  const items = ref<TicketDto[]>([]);
  const total = ref(0);
  const loading = ref(false);
  const counts = ref<FeedbackCountsDto | null>(null);
  const detail = ref<TicketDetailDto | null>(null);
  const detailLoading = ref(false);
  const saving = ref(false);
  const assignees = ref<Assignee[]>([]);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const [page, figures] = await Promise.all([feedbackApi.list(query), feedbackApi.counts()]);
      items.value = page.items;
      total.value = page.total;
      counts.value = figures;
    } finally {
      loading.value = false;
    }
  }

  async function open(id: number): Promise<void> {
    detailLoading.value = true;
    try {
      detail.value = await feedbackApi.detail(id);
      if (assignees.value.length === 0) assignees.value = (await feedbackApi.assignees()).items;
    } finally {
      detailLoading.value = false;
    }
  }

  /** Runs a change on the open ticket, then reloads it and the list. */
  async function change<T>(action: () => Promise<T>): Promise<T> {
    saving.value = true;
    try {
      const result = await action();
      const id = detail.value?.ticket.id;
      await Promise.all([id === undefined ? undefined : open(id), load()]);
      return result;
    } finally {
      saving.value = false;
    }
  }

  return {
    query,
    items,
    total,
    loading,
    counts,
    detail,
    detailLoading,
    saving,
    assignees,
    load,
    open,
    close: () => {
      detail.value = null;
    },
    create: (body: { conversationId?: number; mobile?: string; kind: TicketKind; text?: string }) => change(() => feedbackApi.create(body)),
    update: (id: number, body: { kind?: TicketKind; assigneeUserId?: number | null }) => change(() => feedbackApi.update(id, body)),
    note: (id: number, text: string) => change(() => feedbackApi.note(id, text)),
    move: (id: number, to: 'in-progress' | 'closed') => change(() => feedbackApi.move(id, to)),
    resolve: (id: number, resolution: string, notify: boolean) => change(() => feedbackApi.resolve(id, resolution, notify)),
    blacklist: (id: number) => change(() => feedbackApi.blacklist(id)),
  };
});
