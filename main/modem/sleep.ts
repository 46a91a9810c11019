/**
 * Sleeps that end early when the signal aborts (stop() never waits for a
 * cool-down or backoff) or when woken (new work arrived).
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted || ms <= 0) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** A wake-up flag for a loop: `wait(ms)` returns early when `wake()` is called or the signal aborts. */
export class Wakeable {
  private wakeUp: (() => void) | undefined;
  private pending = false;

  constructor(private readonly sleep: Sleep = realSleep) {}

  wake(): void {
    this.pending = true;
    this.wakeUp?.();
  }

  async wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return;
    }
    const local = new AbortController();
    const onAbort = () => local.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.wakeUp = () => local.abort();
    try {
      await this.sleep(ms, local.signal);
    } finally {
      this.wakeUp = undefined;
      this.pending = false;
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
