import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import {
  modemsApi,
  type CounterRowDto,
  type CreateModemBodyDto,
  type DiscoveredPortDto,
  type HealthSampleDto,
  type ModemDto,
  type ModemStatusEvent,
  type ProbeResultDto,
  type SimulatorLogEntryDto,
  type TestSendResultDto,
  type UpdateModemBodyDto,
} from '../api/modems';

/** Registration states in which the SIM can send (as the modem layer counts them). */
const REGISTERED = new Set(['home', 'roaming', 'sms-only']);
const ANSWERING = new Set(['initialising', 'ready', 'recovering', 'refused']);

/** 设备: the modem pool with live status, and the dashboard tile's figures. */
export const useModemsStore = defineStore('modems', () => {
  const items = ref<ModemDto[]>([]);
  const baudRates = ref<number[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const saving = ref(false);
  const scanning = ref(false);
  const probing = ref(false);
  const sending = ref(false);
  const ports = ref<DiscoveredPortDto[]>([]);
  const scanTookMs = ref<number | null>(null);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const list = await modemsApi.list();
      items.value = list.items;
      baudRates.value = list.baudRates;
      loaded.value = true;
    } finally {
      loading.value = false;
    }
  }

  async function save(id: string | null, body: CreateModemBodyDto | UpdateModemBodyDto): Promise<ModemDto> {
    saving.value = true;
    try {
      const saved = id === null ? await modemsApi.create(body as CreateModemBodyDto) : await modemsApi.update(id, body);
      await load();
      return saved;
    } finally {
      saving.value = false;
    }
  }

  async function remove(id: string): Promise<void> {
    saving.value = true;
    try {
      await modemsApi.remove(id);
      await load();
    } finally {
      saving.value = false;
    }
  }

  async function setEnabled(id: string, enabled: boolean): Promise<void> {
    await save(id, { enabled });
  }

  let scanAbort: AbortController | null = null;
  /** The running scan's id: its job.progress events carry it. */
  const scanJobId = ref<string | null>(null);

  /** Scans the ports; resolves to null when the scan was cancelled. */
  async function scan(extra: string[]): Promise<DiscoveredPortDto[] | null> {
    scanAbort?.abort();
    const abort = new AbortController();
    scanAbort = abort;
    scanJobId.value = `modem-scan-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    scanning.value = true;
    try {
      const found = await modemsApi.ports(extra, scanJobId.value, abort.signal);
      ports.value = found.items;
      scanTookMs.value = found.tookMs;
      return found.items;
    } catch (cause) {
      if (abort.signal.aborted) return null;
      throw cause;
    } finally {
      if (scanAbort === abort) {
        scanAbort = null;
        scanning.value = false;
      }
    }
  }

  /** Closing the request stops the scan on the server between baud rates. */
  function cancelScan(): void {
    scanAbort?.abort();
  }

  async function probe(path: string, baudRate?: number): Promise<ProbeResultDto> {
    probing.value = true;
    try {
      return await modemsApi.probe(path, baudRate);
    } finally {
      probing.value = false;
    }
  }

  async function testSend(id: string, to: string, text: string): Promise<TestSendResultDto> {
    sending.value = true;
    try {
      return await modemsApi.testSend(id, to, text);
    } finally {
      sending.value = false;
    }
  }

  const history = (id: string, since: number): Promise<[HealthSampleDto[], CounterRowDto[]]> =>
    Promise.all([modemsApi.health(id, since).then((r) => r.items), modemsApi.counters(id, since).then((r) => r.items)]);

  const simulatorLog = (id: string): Promise<{ items: SimulatorLogEntryDto[]; total: number }> => modemsApi.simulatorLog(id);
  const simulateInbound = (id: string, from: string, text: string) => modemsApi.simulateInbound(id, from, text);

  /**
   * A live 'modem.status' event: the card changes at once, without asking the server.
   * Returns true when the event says more than it carries (a new modem, a changed
   * state whose identity or reason the list should show): reload soon.
   */
  function applyStatus(event: ModemStatusEvent): boolean {
    const modem = items.value.find((m) => m.id === event.modemId);
    if (!modem?.status) return true;
    const status = modem.status;
    const stateChanged = status.state !== event.state;
    Object.assign(status, {
      state: event.state,
      reason: event.reason,
      problem: event.problem,
      connected: ANSWERING.has(event.state),
      signal: event.signal,
      registration: event.registration,
      registered: event.registration !== null && REGISTERED.has(event.registration),
      operator: event.operator,
      usage: event.usage,
    });
    if (stateChanged) status.since = Date.now();
    return stateChanged;
  }

  const running = computed(() => items.value.filter((m) => m.status !== null));
  const online = computed(() => running.value.filter((m) => m.status?.state === 'ready').length);
  /** The weakest signal among the modems in service (the one to worry about). */
  const worstSignal = computed(() => {
    const signals = running.value.filter((m) => m.status?.state === 'ready' && m.status.signal).map((m) => ({ name: m.name, ...m.status!.signal! }));
    return signals.sort((a, b) => a.bars - b.bars || (a.dbm ?? -999) - (b.dbm ?? -999))[0] ?? null;
  });
  const totals = computed(() =>
    items.value.reduce(
      (sum, m) => ({ sent: sum.sent + m.counts.today.sent, failed: sum.failed + m.counts.today.failed, received: sum.received + m.counts.today.received }),
      { sent: 0, failed: 0, received: 0 },
    ),
  );

  return {
    items, baudRates, loaded, loading, saving, scanning, scanJobId, cancelScan, probing, sending, ports, scanTookMs,
    load, save, remove, setEnabled, scan, probe, testSend, history, simulatorLog, simulateInbound, applyStatus,
    online, worstSignal, totals,
  };
});
