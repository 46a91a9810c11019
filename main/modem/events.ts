import type { ModemState } from './modem.js';
import type { ModemProblem } from './reasons.js';

/** What the UI's Modems page and the dashboard tile receive live. */
export interface ModemStatusEvent {
  modemId: string;
  name: string;
  state: ModemState;
  reason: string | null;
  problem: ModemProblem | null;
  signal: { rssi: number; dbm: number | null; bars: number } | null;
  registration: string | null;
  operator: string | null;
  counters: { sent: number; failed: number; received: number; reports: number };
  usage: { lastHour: number; lastDay: number };
}

/** A message arrived (the text itself stays in the inbox, behind messages.read). */
export interface ModemInboundEvent {
  modemId: string;
  from: string;
  partial: boolean;
  receivedAt: number;
}

declare module '../events/bus.js' {
  interface ApplianceEvents {
    'modem.status': ModemStatusEvent;
    'modem.inbound': ModemInboundEvent;
  }
}
