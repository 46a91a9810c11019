/**
 * Texts from customers are untrusted: a right-to-left override (U+202E) in an SMS can make
 * "回复 1 确认" read backwards or disguise a number. The UI shows such characters as visible
 * tags instead of letting the browser obey them.
 */
export interface TextSegment {
  /** Plain text, or a control character shown as a tag. */
  kind: 'text' | 'control';
  text: string;
  /** For controls: the code point as U+XXXX and its short name. */
  code?: string;
  name?: string;
}

const CONTROL_NAMES: Record<number, string> = {
  0x061c: 'ALM',
  0x200e: 'LRM',
  0x200f: 'RLM',
  0x202a: 'LRE',
  0x202b: 'RLE',
  0x202c: 'PDF',
  0x202d: 'LRO',
  0x202e: 'RLO',
  0x2066: 'LRI',
  0x2067: 'RLI',
  0x2068: 'FSI',
  0x2069: 'PDI',
};

/** Bidirectional formatting characters: embeddings, overrides, isolates and marks. */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

export function hasBidiControls(text: string): boolean {
  BIDI_CONTROLS.lastIndex = 0;
  return BIDI_CONTROLS.test(text);
}

/** Splits a text into plain runs and the bidi controls inside it, in order. */
export function revealControls(text: string): TextSegment[] {
  const segments: TextSegment[] = [];
  let last = 0;
  for (const match of text.matchAll(BIDI_CONTROLS)) {
    const index = match.index;
    if (index > last) segments.push({ kind: 'text', text: text.slice(last, index) });
    const point = match[0].codePointAt(0)!;
    const code = `U+${point.toString(16).toUpperCase().padStart(4, '0')}`;
    const name = CONTROL_NAMES[point] ?? 'BIDI';
    segments.push({ kind: 'control', text: `[${name}]`, code, name });
    last = index + match[0].length;
  }
  if (last < text.length) segments.push({ kind: 'text', text: text.slice(last) });
  return segments;
}

/** One line for places that take a plain string (titles, previews): controls as [RLO] tags. */
export function revealControlsInline(text: string): string {
  return revealControls(text)
    .map((segment) => segment.text)
    .join('');
}
