import { describe, expect, it } from 'vitest';
import { hasBidiControls, revealControls, revealControlsInline } from './reveal-controls';

describe('revealControls', () => {
  it('turns every bidi control into a visible tag and keeps the rest as it is', () => {
    const text = '回复\u202E1 确认\u202C，号码\u2066138\u2069';
    const segments = revealControls(text);
    expect(segments.filter((s) => s.kind === 'control').map((s) => s.code)).toEqual(['U+202E', 'U+202C', 'U+2066', 'U+2069']);
    expect(revealControlsInline(text)).toBe('回复[RLO]1 确认[PDF]，号码[LRI]138[PDI]');
    // Nothing the browser would obey is left in what is shown.
    expect(hasBidiControls(segments.map((s) => s.text).join(''))).toBe(false);
  });

  it('covers U+202A–U+202E, U+2066–U+2069 and the marks, and leaves ordinary text alone', () => {
    for (const point of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c]) {
      expect(hasBidiControls(`a${String.fromCodePoint(point)}b`), point.toString(16)).toBe(true);
    }
    expect(revealControls('积分 JF？😀')).toEqual([{ kind: 'text', text: '积分 JF？😀' }]);
    expect(revealControls('')).toEqual([]);
  });
});
