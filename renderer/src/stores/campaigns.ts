import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import {
  campaignsApi,
  segmentsApi,
  type CalendarDto,
  type CampaignDetailDto,
  type CampaignDto,
  type CampaignInputDto,
  type CampaignState,
  type CampaignVerb,
  type DryRunDto,
  type ReportDto,
  type SegmentDto,
  type SegmentInputDto,
} from '../api/campaigns';

/** The list's tabs and the states each one shows. */
export const CAMPAIGN_TABS = {
  active: ['running', 'paused', 'scheduled', 'pending_approval'],
  draft: ['draft'],
  done: ['completed', 'cancelled'],
} as const satisfies Record<string, readonly CampaignState[]>;
export type CampaignTab = keyof typeof CAMPAIGN_TABS;

/** An audience handed over from 会员 ("send to these N members", or the selected rows). */
export type AudiencePreset = CampaignInputDto['audience'] & { size: number };

export const useCampaignsStore = defineStore('campaigns', () => {
  const tab = ref<CampaignTab>('active');
  const query = reactive({ q: '', page: 1, pageSize: 20 });
  const items = ref<CampaignDto[]>([]);
  const total = ref(0);
  const loading = ref(false);
  const segments = ref<SegmentDto[]>([]);
  const segmentsLoading = ref(false);
  const detail = ref<CampaignDetailDto | null>(null);
  const report = ref<ReportDto | null>(null);
  const reportLoading = ref(false);
  const calendar = ref<CalendarDto | null>(null);
  const requireApproval = ref(false);
  /** Set by 会员 before it opens the editor here; the editor takes it once. */
  const audiencePreset = ref<AudiencePreset | null>(null);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const page = await campaignsApi.list({ states: [...CAMPAIGN_TABS[tab.value]], q: query.q, page: query.page, pageSize: query.pageSize });
      items.value = page.items;
      total.value = page.total;
    } finally {
      loading.value = false;
    }
  }

  async function loadSegments(): Promise<void> {
    segmentsLoading.value = true;
    try {
      segments.value = (await segmentsApi.list()).items;
    } finally {
      segmentsLoading.value = false;
    }
  }

  async function loadSettings(): Promise<void> {
    requireApproval.value = (await campaignsApi.settings()).requireApproval;
  }

  async function setApproval(value: boolean): Promise<void> {
    requireApproval.value = (await campaignsApi.setSettings(value)).requireApproval;
  }

  async function open(id: number): Promise<void> {
    reportLoading.value = true;
    try {
      const [nextDetail, nextReport] = await Promise.all([campaignsApi.detail(id), campaignsApi.report(id)]);
      detail.value = nextDetail;
      report.value = nextReport;
    } finally {
      reportLoading.value = false;
    }
  }

  async function save(id: number | null, input: CampaignInputDto): Promise<CampaignDto> {
    const saved = id === null ? await campaignsApi.create(input) : await campaignsApi.update(id, input);
    void load();
    return saved;
  }

  const dryRun = (input: CampaignInputDto, id: number | null): Promise<DryRunDto> => campaignsApi.dryRun(input, id);

  async function act(id: number, verb: CampaignVerb | 'approve' | 'reject', note = ''): Promise<CampaignDto> {
    const changed = verb === 'approve' ? await campaignsApi.approve(id, note) : verb === 'reject' ? await campaignsApi.reject(id, note) : await campaignsApi.act(id, verb);
    await refreshAfterChange(id);
    return changed;
  }

  /** After a state change (ours or a campaigns.changed event): the list, and the open campaign if it is this one. */
  async function refreshAfterChange(id: number): Promise<void> {
    await Promise.all([load(), detail.value?.campaign.id === id ? open(id) : Promise.resolve()]);
  }

  async function saveSegment(id: number | null, input: SegmentInputDto): Promise<SegmentDto> {
    const saved = id === null ? await segmentsApi.create(input) : await segmentsApi.update(id, input);
    await loadSegments();
    return saved;
  }

  async function removeSegment(id: number): Promise<void> {
    await segmentsApi.remove(id);
    await loadSegments();
  }

  async function loadCalendar(month: string): Promise<void> {
    calendar.value = await campaignsApi.calendar(month);
  }

  return {
    tab,
    query,
    items,
    total,
    loading,
    segments,
    segmentsLoading,
    detail,
    report,
    reportLoading,
    calendar,
    requireApproval,
    audiencePreset,
    load,
    loadSegments,
    loadSettings,
    setApproval,
    open,
    save,
    dryRun,
    act,
    refreshAfterChange,
    saveSegment,
    removeSegment,
    loadCalendar,
    countFilter: (filter: SegmentInputDto['filter']) => segmentsApi.count(filter),
    tagMembers: segmentsApi.tagMembers,
    rulePreview: campaignsApi.rulePreview,
    reportXlsxUrl: campaignsApi.reportXlsxUrl,
  };
});
