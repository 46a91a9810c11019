/**
 * A serial line's speed for bytes that would otherwise cross a PTY at memory
 * speed: each chunk arrives when its last bit would have, at 10 bits per byte
 * (start, 8 data, stop), one chunk after another, in order.
 */
export class LinePacer {
  private readonly msPerByte: number;
  private readonly queue: Array<{ at: number; chunk: Buffer }> = [];
  private lastArrival = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(baudRate: number, private readonly deliver: (chunk: Buffer) => void) {
    this.msPerByte = 10_000 / baudRate;
  }

  push(chunk: Buffer): void {
    this.lastArrival = Math.max(performance.now(), this.lastArrival) + chunk.length * this.msPerByte;
    this.queue.push({ at: this.lastArrival, chunk });
    this.arm();
  }

  stop(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      clearImmediate(this.timer as unknown as NodeJS.Immediate);
    }
    this.timer = null;
    this.queue.length = 0;
  }

  private arm(): void {
    if (this.timer || this.queue.length === 0) return;
    const wait = this.queue[0]!.at - performance.now();
    // setTimeout fires a millisecond or more late, which a fast line cannot afford on every chunk:
    // sleep until just before the arrival, then poll on the next turns of the event loop.
    const fire = () => {
      this.timer = null;
      const now = performance.now();
      while (this.queue.length > 0 && this.queue[0]!.at <= now) this.deliver(this.queue.shift()!.chunk);
      this.arm();
    };
    this.timer = wait > 2 ? setTimeout(fire, wait - 1.5) : (setImmediate(fire) as unknown as NodeJS.Timeout);
  }
}
