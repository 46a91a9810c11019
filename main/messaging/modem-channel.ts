import { SYSTEM_ACTOR } from '../auth/audit.js';
import type { ApplianceServices } from '../services.js';
import type { OutboundChannel } from './channel.js';

/** The name the embedded simulated modem shows everywhere, so nobody mistakes it for a real one. */
export const EMBEDDED_SIMULATED_MODEM = '模拟短信猫（演示，不发真实短信）';

/**
 * The modems the dispatcher sends through: the modem pool, which is the
 * OutboundChannel (modemIds / readyAt / sendPart one encoded part / change
 * events). On the very first start — no modem ever configured — one simulated
 * modem is added, clearly labelled, so a newcomer can send and receive at
 * once; it is an ordinary pool entry, disabled or removed on the Modems page.
 */
export async function defaultOutboundChannel(services: Pick<ApplianceServices, 'modems' | 'db' | 'logger'>): Promise<OutboundChannel> {
  const everConfigured = await services.db('audit_log').where('action', 'modems.add').first();
  if (!everConfigured && (await services.modems.list()).length === 0) {
    await services.modems.add({ name: EMBEDDED_SIMULATED_MODEM, kind: 'simulator' }, SYSTEM_ACTOR);
    services.logger.warn({ modem: EMBEDDED_SIMULATED_MODEM }, 'no modem configured yet: added a simulated modem so messages can be tried out');
  }
  return services.modems;
}
