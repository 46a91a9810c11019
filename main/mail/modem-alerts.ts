import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { EventBus } from '../events/bus.js';
import type { ModemStatusEvent } from '../modem/events.js';
import type { SendLimits } from '../modem/send-ledger.js';
import { localDate, zoneOffset } from '../messaging/policy/local-time.js';
import type { Settings } from '../settings/settings.js';
import { escapeHtml, type Mail } from './mail.js';

/** A SIM this close to its daily cap is worth a warning: the rest of the day's sends wait for tomorrow. */
export const DAILY_CAP_WARNING = 0.9;
/** At most one "out of service" mail per modem in this long, however often it flaps. */
const DOWN_ALERT_WINDOW_MS = 6 * 3_600_000;

const DOWN_STATES = new Set(['out-of-service', 'refused']);

export interface ModemAlert {
  kind: 'out-of-service' | 'back-in-service' | 'daily-cap';
  key: string;
  subject: string;
  html: string;
  text: string;
}

interface AlertWords {
  down: string;
  up: string;
  cap: string;
  reason: string;
  usage: string;
  hintDown: string;
  hintCap: string;
}

const WORDS: Record<'zh-CN' | 'en', AlertWords> = {
  'zh-CN': {
    down: '短信猫停止服务',
    up: '短信猫恢复服务',
    cap: '短信猫 SIM 卡接近每日上限',
    reason: '原因',
    usage: '今日已发',
    hintDown: '发往该短信猫的短信已转给其他短信猫；没有其他短信猫时会在恢复后发送。请在 StoreMAS › 设备 查看。',
    hintCap: '达到上限后，今天余下的短信将等到明天或由其他短信猫发送。可在 设备 中调整上限（需运营商允许）。',
  },
  en: {
    down: 'Modem out of service',
    up: 'Modem back in service',
    cap: "Modem's SIM nearly at its daily cap",
    reason: 'Reason',
    usage: 'Sent today',
    hintDown: 'Its texts go through the other modems; with none, they wait until it is back. See StoreMAS › Modems.',
    hintCap: "Once the cap is reached, the rest of today's texts wait for tomorrow or another modem. Raise the cap under Modems if the operator allows it.",
  },
};

/**
 * What a modem's status change is worth a mail about (pure): it went out of service (or was
 * refused: wrong SIM, PIN), came back after that, or its SIM passed 90 % of its daily cap. The
 * key makes each alert once per window (per modem and 6 hours, per modem and day for the cap).
 */
export function modemAlerts(
  status: Pick<ModemStatusEvent, 'modemId' | 'name' | 'state' | 'reason' | 'usage'>,
  previousState: string | undefined,
  limits: SendLimits | undefined,
  context: { now: number; timeZone: string; storeName: string; language: 'zh-CN' | 'en' },
): ModemAlert[] {
  const words = WORDS[context.language];
  const alerts: ModemAlert[] = [];
  const at = localTime(context.timeZone, context.now);
  const name = `${status.name} (#${status.modemId})`;
  const mail = (title: string, lines: Array<[string, string]>, hint: string) => ({
    subject: `${title}: ${name} · ${context.storeName}`,
    html: `<p><strong>${escapeHtml(title)}</strong>: ${escapeHtml(name)} — ${escapeHtml(at)}</p>${lines.map(([k, v]) => `<p>${escapeHtml(k)}: ${escapeHtml(v)}</p>`).join('')}<p style="color:#777">${escapeHtml(hint)}</p>`,
    text: [`${title}: ${name} — ${at}`, ...lines.map(([k, v]) => `${k}: ${v}`), hint].join('\n'),
  });
  const down = DOWN_STATES.has(status.state);
  if (down && (previousState === undefined || !DOWN_STATES.has(previousState))) {
    alerts.push({ kind: 'out-of-service', key: `modem-down:${status.modemId}:${Math.floor(context.now / DOWN_ALERT_WINDOW_MS)}`, ...mail(words.down, [[words.reason, status.reason ?? '—']], words.hintDown) });
  }
  if (status.state === 'ready' && previousState !== undefined && DOWN_STATES.has(previousState)) {
    alerts.push({ kind: 'back-in-service', key: `modem-up:${status.modemId}:${Math.floor(context.now / DOWN_ALERT_WINDOW_MS)}`, ...mail(words.up, [], '') });
  }
  if (limits && status.usage.lastDay >= Math.ceil(limits.perDay * DAILY_CAP_WARNING)) {
    alerts.push({
      kind: 'daily-cap',
      key: `modem-cap:${status.modemId}:${localDate(context.timeZone, context.now)}`,
      ...mail(words.cap, [[words.usage, `${status.usage.lastDay} / ${limits.perDay}`]], words.hintCap),
    });
  }
  return alerts;
}

function localTime(zone: string, at: number): string {
  const local = new Date(at + zoneOffset(zone, at)).toISOString();
  return `${local.slice(0, 10)} ${local.slice(11, 16)}`;
}

/**
 * Mails the managers (purpose modem-alerts) when a modem goes out of service, comes back, or
 * its SIM nears its daily cap. Listens to the modems' live status; each alert is a queue row
 * with a key, so a flapping modem mails once per window. Returns the unsubscribe function.
 */
export function watchModemAlerts(deps: {
  events: EventBus;
  mail: Pick<Mail, 'enqueue'>;
  limitsOf: (modemId: string) => Promise<SendLimits | undefined>;
  settings: Settings;
  clock: Clock;
  logger: Logger;
}): () => void {
  const lastState = new Map<string, string>();
  const sent = new Set<string>();
  return deps.events.onDidPublish((event) => {
    if (event.type !== 'modem.status') return;
    const status = event.data as ModemStatusEvent;
    const previous = lastState.get(status.modemId);
    lastState.set(status.modemId, status.state);
    void (async () => {
      const [limits, policy, storeName, language] = await Promise.all([
        deps.limitsOf(status.modemId),
        deps.settings.get('policy'),
        deps.settings.get('storeName'),
        deps.settings.get('language'),
      ]);
      for (const alert of modemAlerts(status, previous, limits, { now: deps.clock.now(), timeZone: policy.timeZone, storeName, language })) {
        if (sent.has(alert.key)) continue;
        sent.add(alert.key);
        if (sent.size > 1_000) sent.clear();
        await deps.mail.enqueue({ purpose: 'modem-alerts', subject: alert.subject, html: alert.html, text: alert.text }, { key: alert.key });
      }
    })().catch((error: unknown) => deps.logger.warn({ err: error, modem: status.modemId }, 'modem alert not queued'));
  });
}
