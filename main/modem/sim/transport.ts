import type { ByteTransport } from '../transport/types.js';
import { SimulatorError } from './errors.js';
import type { SimulatedModem } from './modem.js';

/**
 * Plugs a simulated modem into the driver in-process. Bytes cross on the next
 * turn of the event loop in both directions, as they would over a wire, so a
 * reply never arrives inside the driver's own write call.
 */
export function createSimulatorTransport(modem: SimulatedModem): ByteTransport {
  const dataListeners = new Set<(chunk: Buffer) => void>();
  const closeListeners = new Set<(error?: Error) => void>();
  let open = false;
  let detach: Array<() => void> = [];

  const shut = (error?: Error) => {
    if (!open) return;
    open = false;
    for (const off of detach) off();
    detach = [];
    for (const listener of [...closeListeners]) listener(error);
  };

  return {
    get isOpen() {
      return open;
    },
    description: `simulator ${modem.name}`,
    async open() {
      if (open) return;
      if (!modem.plugged) {
        throw new SimulatorError('MODEM_SIM_UNPLUGGED', `The simulated modem ${modem.name} is unplugged; replug it before opening.`, 503);
      }
      open = true;
      detach = [
        modem.onOutput((chunk) =>
          setImmediate(() => {
            if (open) for (const listener of [...dataListeners]) listener(chunk);
          }),
        ),
        modem.onPlug((plugged) => {
          if (!plugged) shut(new SimulatorError('MODEM_SIM_UNPLUGGED', `The simulated modem ${modem.name} was unplugged.`, 503));
        }),
      ];
    },
    async write(data) {
      if (!open) throw new SimulatorError('MODEM_SIM_PORT_CLOSED', `The port of the simulated modem ${modem.name} is not open; open it first.`, 503);
      const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data);
      setImmediate(() => {
        if (open) modem.receive(bytes);
      });
    },
    async close() {
      shut();
    },
    onData(listener) {
      dataListeners.add(listener);
      return () => dataListeners.delete(listener);
    },
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
  };
}
