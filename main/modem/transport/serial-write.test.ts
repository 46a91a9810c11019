import { SerialPort } from 'serialport';
import { afterEach, expect, it } from 'vitest';
import { createTempPty, type TempPty } from '../../../tests/support/pty.js';
import { SerialTransport } from './serial.js';

/**
 * Writes go straight to the descriptor while nothing is queued, and to the
 * stream once the OS buffer is full: over a real PTY whose other end nobody
 * reads at first, every byte still arrives, once and in order.
 */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('keeps every byte in order when the OS buffer fills and the rest waits in the stream', async () => {
  const pty: TempPty = await createTempPty();
  cleanups.push(() => pty.dispose());
  // The far end is open but not reading (as a modem holding CTS low), so the buffers fill.
  const reader = new SerialPort({ path: pty.internal, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => reader.open((error) => (error ? reject(error) : resolve())));
  cleanups.push(() => new Promise<void>((resolve) => (reader.isOpen ? reader.close(() => resolve()) : resolve())));
  reader.pause();
  let received = '';

  const transport = new SerialTransport({ path: pty.link, baudRate: 115200 });
  await transport.open();
  cleanups.push(() => transport.close());
  // Let the port's read loop arm first: serialport's poller keeps only the last interest it was
  // given, and a "writable" wait must not be replaced by the first "readable" one.
  await new Promise((resolve) => setTimeout(resolve, 100));

  // Far more than the PTY, socat and stream buffers hold: some writes must wait.
  const chunks = Array.from({ length: 2_000 }, (_, i) => `chunk ${String(i).padStart(5, '0')} ${'x'.repeat(240)}\r`);
  const expected = chunks.join('');
  let settled = 0;
  const writes = chunks.map((chunk) => transport.write(chunk).then(() => void (settled += 1)));
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(settled).toBeGreaterThan(0);
  expect(settled).toBeLessThan(chunks.length);

  reader.on('data', (data: Buffer) => (received += data.toString('latin1')));
  reader.resume();
  await Promise.all(writes);
  const deadline = Date.now() + 10_000;
  while (received.length < expected.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(received.length).toBe(expected.length);
  expect(received === expected).toBe(true);
}, 30_000);
