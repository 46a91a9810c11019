import type { ModemDirectory } from '../outbox/send-targets.js';

/**
 * How long the modems take to send a number of SMS parts at their configured
 * pace: the minimum gap between parts, the hourly and daily caps per SIM, and
 * what each SIM has already sent in the last hour and day. Pure; the
 * confirmation dialog and (later) campaign planning ask the same question.
 */
export interface ModemPace {
  /** Minimum gap between two parts on this SIM, ms. */
  minGapMs: number;
  perHour: number;
  perDay: number;
  /** Parts this SIM already sent in the last hour / day (they count against the caps). */
  usedLastHour: number;
  usedLastDay: number;
}

/** One AT+CMGS round trip on a GSM modem takes about this long, whatever the gap allows. */
export const SUBMIT_MS = 2_000;

const HOUR_MS = 3_600_000;
/** Longer than this is "more than a month" for the confirmation: no figure is given. */
const HORIZON_HOURS = 24 * 31;

export interface SendEstimate {
  /** Seconds until the last part is out; null when no modem can send or it would take over a month. */
  seconds: number | null;
  /** Modems the estimate counts. */
  modems: number;
  /** Parts per hour all of them together manage at full pace. */
  partsPerHour: number;
}

/**
 * Hour by hour: each SIM sends at its gap pace up to its hourly cap (less what
 * it sent in the last hour, in the first) and its daily cap (less the last
 * day's, in the first day); the hour that finishes the work counts by the
 * slowest SIM's share of it.
 */
export function estimateSendDuration(parts: number, modems: readonly ModemPace[]): SendEstimate {
  const pace = modems.map((m) => {
    const intervalMs = Math.max(m.minGapMs, SUBMIT_MS);
    return { ...m, intervalMs, hourly: Math.min(m.perHour, Math.floor(HOUR_MS / intervalMs)) };
  });
  const partsPerHour = pace.reduce((sum, m) => sum + m.hourly, 0);
  if (parts <= 0) return { seconds: 0, modems: modems.length, partsPerHour };
  if (pace.length === 0 || partsPerHour === 0) return { seconds: null, modems: modems.length, partsPerHour };
  let left = parts;
  const dayLeft = pace.map((m) => Math.max(0, m.perDay - m.usedLastDay));
  for (let hour = 0; hour < HORIZON_HOURS; hour += 1) {
    if (hour > 0 && hour % 24 === 0) pace.forEach((m, i) => (dayLeft[i] = m.perDay));
    const capacity = pace.map((m, i) => Math.max(0, Math.min(m.hourly - (hour === 0 ? m.usedLastHour : 0), dayLeft[i]!)));
    const total = capacity.reduce((a, b) => a + b, 0);
    if (total >= left) {
      // Shared in proportion to capacity; the hour ends when the slowest share is out.
      const lastMs = Math.max(...pace.map((m, i) => Math.ceil((left * capacity[i]!) / total) * m.intervalMs));
      return { seconds: Math.round((hour * HOUR_MS + Math.min(lastMs, HOUR_MS)) / 1000), modems: modems.length, partsPerHour };
    }
    left -= total;
    capacity.forEach((c, i) => (dayLeft[i] = dayLeft[i]! - c));
  }
  return { seconds: null, modems: modems.length, partsPerHour };
}

/**
 * The pace of the modems a send can use: the pinned one, else every enabled
 * modem (those in service with their live usage; an enabled one that is
 * offline counts with its configured caps: it is expected back).
 */
export async function modemPaces(modems: ModemDirectory, pinnedModemId: string | null = null): Promise<ModemPace[]> {
  return (await modems.list())
    .filter((m) => m.config.enabled && (pinnedModemId === null || m.config.id === pinnedModemId))
    .map((m) => {
      const limits = m.status?.limits ?? m.config.limits;
      return {
        minGapMs: limits.minGapMs,
        perHour: limits.perHour,
        perDay: limits.perDay,
        usedLastHour: m.status?.usage.lastHour ?? 0,
        usedLastDay: m.status?.usage.lastDay ?? 0,
      };
    });
}
