import fc from 'fast-check';
import { GSM7_BASIC, GSM7_ESCAPE, GSM7_EXTENSION } from './length.js';

/** Test-only generators for message texts, shared by the property and differential tests. */

export const GSM_BASIC_CHARS = GSM7_BASIC.filter((_, code) => code !== GSM7_ESCAPE);
export const GSM_EXTENSION_CHARS = Object.values(GSM7_EXTENSION);

const fromCodePoints = (min: number, max: number) => fc.integer({ min, max }).map((cp) => String.fromCodePoint(cp));

/** One character of the kinds a supermarket's messages contain, with the awkward ones over-represented. */
export const messageChar = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...GSM_BASIC_CHARS) },
  { weight: 2, arbitrary: fc.constantFrom(...GSM_EXTENSION_CHARS) },
  { weight: 3, arbitrary: fromCodePoints(0x4e00, 0x9fff) }, // CJK ideographs
  { weight: 1, arbitrary: fc.constantFrom('，', '。', '！', '？', '：', '【', '】', '、', '￥') },
  { weight: 2, arbitrary: fromCodePoints(0x1f300, 0x1faff) }, // emoji: surrogate pairs
  { weight: 1, arbitrary: fc.constantFrom('👍🏽', '👨‍👩‍👧', '🇨🇳') }, // modifiers, ZWJ sequences, flags
  { weight: 1, arbitrary: fromCodePoints(0x20, 0xffff).filter((ch) => !/[\ud800-\udfff]/.test(ch)) },
);

/** Texts that stay in the GSM alphabet (with many extension characters, so escapes meet part borders). */
export const gsmText = fc
  .array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...GSM_BASIC_CHARS) }, { weight: 2, arbitrary: fc.constantFrom(...GSM_EXTENSION_CHARS) }), { maxLength: 480 })
  .map((chars) => chars.join(''));

/** Any mix; lengths up to a few parts. */
export const mixedText = fc.array(messageChar, { maxLength: 360 }).map((chars) => chars.join(''));

/** Mostly-Chinese texts around the part borders (67 / 70 units), with emoji to collide with them. */
export const chineseText = fc
  .array(fc.oneof({ weight: 6, arbitrary: fromCodePoints(0x4e00, 0x9fff) }, { weight: 1, arbitrary: fromCodePoints(0x1f300, 0x1faff) }), { minLength: 60, maxLength: 210 })
  .map((chars) => chars.join(''));

/** Texts with unpaired surrogates (broken input from elsewhere): they must pass through UCS2 unchanged. */
export const loneSurrogateText = fc
  .array(fc.oneof(messageChar, fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit))), { maxLength: 200 })
  .map((chars) => chars.join(''));

export const anyText = fc.oneof(gsmText, mixedText, chineseText, loneSurrogateText, fc.string({ unit: 'binary', maxLength: 300 }));
