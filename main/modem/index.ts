/**
 * The modem layer's public face for the API routes, the CLI and the UI types:
 * the pool (configs, live status, routing, counters, health history, probe and
 * discovery) and the types it speaks. Internals (session, parsers, vendor
 * quirks) stay behind it.
 *
 * Pool at a glance (services.modems):
 *   list() / get(id)                    configs with live status (null when disabled)
 *   add(input, actor) / update(id, patch, actor) / remove(id, actor)   audited, validated
 *   testSend(id, to, text, actor)       one message on one modem, audited; an uncertain part is reported, never resent
 *   send(request, { modemId? | conversationModemId? })  routed send, per-part results
 *   probe(path, baud?) / discover(extraPaths)           AT probe, baud detection
 *   healthHistory(id, since) / counters(id, since)      chart data (signal, hourly counts)
 *   simulator(id)                       the simulated device behind a 'simulator' modem
 *   openModemOnPort({ path, baudRate }) one port without the service (CLI probe / send)
 *   modemIds() / readyAt(id) / sendPart(id, part) / onDidChangeModems(l)  the dispatcher's channel
 * Events: 'modem.status' (modems.read) and 'modem.inbound' (messages.read).
 */
export { ModemPool, defaultConnect, openModemOnPort } from './pool.js';
export type { ModemConfig, ModemConfigInput, ModemKind, ModemView, HealthSample, CounterRow, SendRoute, PoolDeps, DiscoveredPort } from './pool.js';
export { Modem, ModemRefusedError, DEFAULT_MODEM_SETTINGS } from './modem.js';
export type { ModemState, ModemStatus, ModemSettings, ModemIdentity, SendRequest, SendResult, PartResult, PduSendResult } from './modem.js';
export { ModemError, isModemError } from './errors.js';
export { SendCapError, DEFAULT_SEND_LIMITS, type SendLimits } from './send-ledger.js';
export { MemoryInboundSink, type InboundSink, type InboundMessage, type InboundStatusReport } from './inbound.js';
export type { ModemStatusEvent, ModemInboundEvent } from './events.js';
export { MODEM_REASON_CODES, type ModemReasonCode, type ModemProblem } from './reasons.js';
export type { ProbeResult, PortCandidate } from './transport/discovery.js';
export { SUPPORTED_BAUD_RATES, DETECT_BAUD_RATES } from './transport/serial.js';
export { classifySendFailure, type SendFailureClass, type FailureScope } from './send-errors.js';
