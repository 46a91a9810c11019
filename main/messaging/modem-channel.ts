import type { ApplianceServices } from '../services.js';
import type { OutboundChannel } from './channel.js';
import { VirtualModems } from './dispatcher/virtual-modems.js';

/** The id the built-in simulated modem shows everywhere, so nobody mistakes it for a real one. */
export const BUILT_IN_SIMULATED_MODEM = 'sim-1 (模拟 simulated)';

/**
 * The modems the dispatcher sends through. Until a modem pool is configured,
 * the appliance runs with one built-in simulated modem (about 2–4 s per part,
 * delivery reports a few seconds later), clearly labelled, so a newcomer can
 * send from the first start and watch messages go sent → delivered.
 */
export function defaultOutboundChannel(services: Pick<ApplianceServices, 'messaging' | 'logger'>): OutboundChannel {
  services.logger.warn({ modem: BUILT_IN_SIMULATED_MODEM }, 'no modem pool configured: sending through the built-in simulated modem');
  return new VirtualModems([BUILT_IN_SIMULATED_MODEM], {
    latencyMs: () => 2_000 + Math.random() * 2_000,
    reportAfterMs: 4_000,
    onStatusReport: (report) => services.messaging.outbox.storeStatusReport(report).then(() => undefined),
  });
}
