import type {
  CounterRowDto,
  CreateModemBodyDto,
  DiscoveredPortDto,
  HealthSampleDto,
  ModemDto,
  ModemLiveDto,
  ProbeResultDto,
  SimulatorLogEntryDto,
  SimulatorSettingsDto,
  TestSendResultDto,
  UpdateModemBodyDto,
} from '../../../main/api/schemas/modems';
import type { ModemStatusEvent } from '../../../main/modem/events';
import { http } from './client';

export type {
  CounterRowDto,
  CreateModemBodyDto,
  DiscoveredPortDto,
  HealthSampleDto,
  ModemDto,
  ModemLiveDto,
  ModemStatusEvent,
  ProbeResultDto,
  SimulatorLogEntryDto,
  SimulatorSettingsDto,
  TestSendResultDto,
  UpdateModemBodyDto,
};
export type ModemState = ModemLiveDto['state'];

export const modemsApi = {
  list: () => http.get<{ items: ModemDto[]; baudRates: number[] }>('/modems'),
  get: (id: string) => http.get<ModemDto>(`/modems/${id}`),
  create: (body: CreateModemBodyDto) => http.post<ModemDto>('/modems', body),
  update: (id: string, body: UpdateModemBodyDto) => http.patch<ModemDto>(`/modems/${id}`, body),
  remove: (id: string) => http.delete<{ ok: true }>(`/modems/${id}`),
  ports: (extra: string[], jobId: string, signal: AbortSignal) =>
    http.get<{ items: DiscoveredPortDto[]; tookMs: number }>('/modems/ports', { query: { extra: extra.join(','), jobId }, signal }),
  probe: (path: string, baudRate?: number) => http.post<ProbeResultDto>('/modems/probe', { path, ...(baudRate ? { baudRate } : {}) }),
  testSend: (id: string, to: string, text: string) => http.post<TestSendResultDto>(`/modems/${id}/test-send`, { to, text }),
  health: (id: string, since: number) => http.get<{ items: HealthSampleDto[] }>(`/modems/${id}/health`, { query: { since } }),
  counters: (id: string, since: number) => http.get<{ items: CounterRowDto[] }>(`/modems/${id}/counters`, { query: { since } }),
  /** Demo and training: the simulated modem receives a text from a phone, which then arrives like any other. */
  simulateInbound: (modemId: string, from: string, text: string) =>
    http.post<{ modemId: string; parts: number }>('/inbox/simulate', { modemId, from, text }),
  simulatorLog: (id: string, limit = 50) => http.get<{ items: SimulatorLogEntryDto[]; total: number }>(`/modems/${id}/simulator/log`, { query: { limit } }),
};
