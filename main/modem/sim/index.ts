/** The GSM modem simulator: in-process (a transport plug) or standalone on a PTY. */
export { SimulatedModem, type AcceptedPdu, type SimulatorStatus } from './modem.js';
export { createSimulatorTransport } from './transport.js';
export { serveOnPort, type PortService } from './serve.js';
export { openPtyPair, type PtyPair } from './pty-pair.js';
export { startStandaloneSimulator, internalEndFor, type StandaloneOptions, type StandaloneSimulator } from './standalone.js';
export { startControlServer, type ControlServer, type ControlTarget } from './control.js';
export { SimulatorControl, parseControlAddress, describeControlAddress, type ControlAddress } from './control-client.js';
export { SimulatorError } from './errors.js';
export type { InboundMessage } from './network.js';
export {
  LATENCY_PRESETS,
  NO_FAULTS,
  type DeliveryOutcome,
  type LatencyPreset,
  type LatencySettings,
  type Registration,
  type SimFaults,
  type SimState,
  type SimulatorOptions,
  type StatusReportSettings,
  type Timers,
} from './options.js';
export { PERSONALITY_NAMES, type PersonalityName, type SimIdentity } from './personality.js';
