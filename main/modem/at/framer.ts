/**
 * Cuts the byte stream into lines. Any run of \r and \n ends a line (modems
 * differ: \r\n, \r only, \n\r). The CMGS prompt ("> " or a bare ">") has no
 * line ending at all, so it is recognised explicitly while one is awaited.
 * Bytes are read as latin1 so a garbage byte is one character, never a
 * decoding error; AT replies and PDUs are ASCII.
 */
export type FramedItem = { kind: 'line'; text: string } | { kind: 'prompt' };

/** A line longer than this is garbage (the longest real line is a 176-byte PDU in hex, ~360 chars). */
export const MAX_LINE_LENGTH = 4096;

export class LineFramer {
  private buffer = '';
  /** Set by the session while a command waits for the CMGS prompt. */
  awaitingPrompt = false;

  push(chunk: Buffer | string): FramedItem[] {
    this.buffer += typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    const items: FramedItem[] = [];
    for (;;) {
      const end = this.buffer.search(/[\r\n]/);
      if (end === -1) break;
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end).replace(/^[\r\n]+/, '');
      this.emitLine(line, items);
    }
    if (this.awaitingPrompt && /^\s*>\s?$/.test(this.buffer)) {
      this.buffer = '';
      items.push({ kind: 'prompt' });
    }
    if (this.buffer.length > MAX_LINE_LENGTH) {
      items.push({ kind: 'line', text: this.buffer.slice(0, MAX_LINE_LENGTH) });
      this.buffer = '';
    }
    return items;
  }

  private emitLine(raw: string, items: FramedItem[]): void {
    // NUL and other control bytes come from line noise and USB resets: drop them.
    // eslint-disable-next-line no-control-regex
    const line = raw.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, '').trim();
    if (line === '') return;
    if (this.awaitingPrompt && /^>\s?$/.test(line)) {
      items.push({ kind: 'prompt' });
      return;
    }
    items.push({ kind: 'line', text: line });
  }

  reset(): void {
    this.buffer = '';
    this.awaitingPrompt = false;
  }
}
