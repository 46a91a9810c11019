import { defineStore } from 'pinia';
import { ref } from 'vue';
import { careApi, type AutomationBody, type AutomationDto, type CarePreviewDto, type PointsExpiryBodyDto, type PointsExpiryDto, type RsvpListDto } from '../api/care';

/** The day after `date` ('YYYY-MM-DD'), by the calendar (no time zone involved). */
export function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export const useCareStore = defineStore('care', () => {
  const automations = ref<AutomationDto[]>([]);
  const today = ref('');
  const previewDate = ref('');
  const preview = ref<CarePreviewDto | null>(null);
  const rsvps = ref<RsvpListDto | null>(null);
  const loading = ref(false);
  const previewing = ref(false);
  const loaded = ref(false);
  /** 积分有效期: the store's rule, which points reminders and the 积分 answer follow. */
  const pointsExpiry = ref<PointsExpiryDto | null>(null);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const list = await careApi.list();
      automations.value = list.items;
      today.value = list.today;
      if (!previewDate.value) previewDate.value = nextDay(list.today);
      loaded.value = true;
    } finally {
      loading.value = false;
    }
  }

  /** What the switched-on automations would send on previewDate (tomorrow unless chosen). */
  async function loadPreview(): Promise<void> {
    if (!previewDate.value) return;
    previewing.value = true;
    try {
      preview.value = await careApi.preview(previewDate.value);
    } finally {
      previewing.value = false;
    }
  }

  function replace(updated: AutomationDto): void {
    const index = automations.value.findIndex((a) => a.id === updated.id);
    if (index >= 0) automations.value.splice(index, 1, updated);
    else automations.value.push(updated);
  }

  async function setEnabled(id: number, enabled: boolean): Promise<void> {
    replace(await careApi.setEnabled(id, enabled));
    await loadPreview();
  }

  async function save(id: number | null, body: AutomationBody): Promise<AutomationDto> {
    const saved = id === null ? await careApi.create(body) : await careApi.update(id, body);
    replace(saved);
    await loadPreview();
    return saved;
  }

  async function remove(id: number): Promise<void> {
    await careApi.remove(id);
    automations.value = automations.value.filter((a) => a.id !== id);
    await loadPreview();
  }

  async function loadRsvps(id: number): Promise<void> {
    rsvps.value = await careApi.rsvps(id);
  }

  async function loadPointsExpiry(): Promise<void> {
    pointsExpiry.value = await careApi.pointsExpiry();
  }

  /** A new rule moves the points reminders' next send days: the list and the preview follow. */
  async function savePointsExpiry(body: PointsExpiryBodyDto): Promise<void> {
    pointsExpiry.value = await careApi.setPointsExpiry(body);
    await Promise.all([load(), loadPreview()]);
  }

  return { automations, today, previewDate, preview, rsvps, loading, previewing, loaded, pointsExpiry, load, loadPreview, setEnabled, save, remove, loadRsvps, loadPointsExpiry, savePointsExpiry };
});
