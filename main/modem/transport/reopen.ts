import { realSleep, type Sleep } from '../sleep.js';
import type { ByteTransport } from './types.js';

/**
 * Opens a transport, retrying with exponential backoff while the device is
 * absent (USB dongle unplugged, re-enumerating after a reset). Gives up when
 * the signal aborts or after `maxAttempts`; returns whether it opened.
 */
export interface ReopenOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  maxAttempts?: number;
  signal?: AbortSignal;
  sleep?: Sleep;
  onAttempt?: (attempt: number, error: Error) => void;
}

export async function openWithBackoff(transport: ByteTransport, options: ReopenOptions = {}): Promise<boolean> {
  const sleep = options.sleep ?? realSleep;
  let delay = options.initialDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 30_000;
  const maxAttempts = options.maxAttempts ?? Infinity;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (options.signal?.aborted) return false;
    try {
      await transport.open();
      return true;
    } catch (error) {
      options.onAttempt?.(attempt, error instanceof Error ? error : new Error(String(error)));
      if (attempt >= maxAttempts) return false;
      await sleep(delay, options.signal);
      delay = Math.min(maxDelay, delay * 2);
    }
  }
  return false;
}
