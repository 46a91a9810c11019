import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import {
  masDbApi,
  type MasDbCodeDto,
  type MasDbConnectionBodyDto,
  type MasDbConnectionTestDto,
  type MasDbCreateCodeBodyDto,
  type MasDbHistoryDto,
  type MasDbLoginDto,
  type MasDbProblemDto,
  type MasDbStatusDto,
  type MasDbUpdateCodeBodyDto,
} from '../api/mas-db';

/** The MAS database interface: connection state, codes with today's counts, recent problems, one code's history. */
export const useMasDbStore = defineStore('mas-db', () => {
  const status = ref<MasDbStatusDto | null>(null);
  const problems = ref<MasDbProblemDto[]>([]);
  const history = ref<MasDbHistoryDto>([]);
  const loading = ref(false);
  const saving = ref(false);
  const testing = ref(false);

  const codes = computed(() => status.value?.codes ?? []);
  const today = computed(() =>
    codes.value.reduce((sum, c) => ({ taken: sum.taken + c.today.taken, rejected: sum.rejected + c.today.rejected, reports: sum.reports + c.today.reports, replies: sum.replies + c.today.replies }), {
      taken: 0,
      rejected: 0,
      reports: 0,
      replies: 0,
    }),
  );

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const [s, p] = await Promise.all([masDbApi.status(), masDbApi.problems(undefined, 50)]);
      status.value = s;
      problems.value = p.items;
    } finally {
      loading.value = false;
    }
  }

  async function loadHistory(code: string): Promise<void> {
    history.value = await masDbApi.history(code, 14);
  }

  async function saving$<T>(work: () => Promise<T>): Promise<T> {
    saving.value = true;
    try {
      const result = await work();
      await load();
      return result;
    } finally {
      saving.value = false;
    }
  }

  async function test(body: MasDbConnectionBodyDto): Promise<MasDbConnectionTestDto> {
    testing.value = true;
    try {
      return await masDbApi.testConnection(body);
    } finally {
      testing.value = false;
    }
  }

  return {
    status,
    problems,
    history,
    loading,
    saving,
    testing,
    codes,
    today,
    load,
    loadHistory,
    test,
    saveConnection: (body: MasDbConnectionBodyDto) => saving$(() => masDbApi.saveConnection(body)),
    createCode: (body: MasDbCreateCodeBodyDto): Promise<MasDbCodeDto> => saving$(() => masDbApi.createCode(body)),
    updateCode: (code: string, body: MasDbUpdateCodeBodyDto): Promise<MasDbCodeDto> => saving$(() => masDbApi.updateCode(code, body)),
    setPaused: (code: string, paused: boolean): Promise<MasDbCodeDto> => saving$(() => (paused ? masDbApi.pause(code) : masDbApi.resume(code))),
    remove: (code: string) => saving$(() => masDbApi.remove(code)),
    login: (code: string): Promise<MasDbLoginDto> => saving$(() => masDbApi.login(code)),
    setupSql: async (code: string) => (await masDbApi.setupSql(code)).sql,
  };
});
