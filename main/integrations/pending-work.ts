/**
 * Work started from an event listener (which cannot await it): kept track of, so stopping
 * waits for it and tests can wait until everything heard so far is done. Failures are
 * handed to `onError` (logged), never thrown into the publisher.
 */
export class PendingWork {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly onError: (error: unknown, context: Record<string, unknown>) => void) {}

  add(work: Promise<unknown>, context: Record<string, unknown> = {}): void {
    const tracked: Promise<void> = work
      .then(() => undefined)
      .catch((error: unknown) => this.onError(error, context))
      .finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  /** Resolves when everything added so far (and anything it added) has finished. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
