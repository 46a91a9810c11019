/**
 * PDU codec: encode + decode round trips per second on one core, for the texts
 * a store sends — 70-character Chinese (UCS-2, one part; issue 3 target: at
 * least 100,000 per second), 160-character GSM 7-bit (one part), and long
 * texts in both alphabets (several concatenated parts: every part encoded,
 * every part decoded, the text put together again and checked).
 *
 * Baseline, in the same run, on the same texts: the plainest possible
 * conversion, UTF-16 → hex → UTF-16 through Buffer, so the ratio says what the
 * codec costs over merely converting the text. The baseline and the codec
 * alternate for each text, rounds of --ms milliseconds each; figures are the
 * medians of --rounds rounds (at least 3), with the machine's load printed.
 *
 *   npx tsx bench/modem-pdu.ts [--rounds 5] [--ms 400]
 */
import { pathToFileURL } from 'node:url';
import { decodePdu, encodeSubmit } from '../main/modem/pdu/index.js';
import { alternate, machine, numberArg } from './support/runs.js';

export const TARGET_PER_SECOND = 100_000;

interface TextCase {
  name: string;
  texts: string[];
  parts: number;
}

function deterministic(pool: string, length: number, count: number, seed: number): string[] {
  const chars = [...pool];
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) & 0x7fffffff);
  return Array.from({ length: count }, () => Array.from({ length }, () => chars[next() % chars.length]).join(''));
}

const CHINESE = '尊敬的会员您好本周六日全场生鲜八折满元再减积分可抵现金活动地址福州市鼓楼区五四路号永辉超市详情请咨询服务台退订回复感谢光临欢迎再来新品上市限时优惠生日快乐祝您购物愉快';
const GSM = 'Dear member, this weekend all fresh food is 20% off. Points count double; show this text at the desk. Reply T to stop. Thanks 0123456789 @$';

const CASES: TextCase[] = [
  { name: 'Chinese 70 chars (UCS-2, 1 part)', texts: deterministic(CHINESE, 70, 1000, 1), parts: 1 },
  { name: 'GSM 7-bit 160 chars (1 part)', texts: deterministic(GSM, 160, 1000, 2), parts: 1 },
  { name: 'Chinese 200 chars (UCS-2, 3 parts)', texts: deterministic(CHINESE, 200, 1000, 3), parts: 3 },
  { name: 'GSM 7-bit 400 chars (3 parts)', texts: deterministic(GSM, 400, 1000, 4), parts: 3 },
];

/** Round trips per second of `body` over the texts for `ms` milliseconds. */
function rate(ms: number, texts: readonly string[], body: (text: string) => number): number {
  let count = 0;
  let sink = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(ms * 1e6));
  let now = started;
  while (now < deadline) {
    for (let i = 0; i < 500; i++) sink += body(texts[(count + i) % texts.length]!);
    count += 500;
    now = process.hrtime.bigint();
  }
  if (sink === 0) throw new Error('nothing measured');
  return count / (Number(now - started) / 1e9);
}

function codec(expectedParts: number) {
  let reference = 0;
  return (text: string): number => {
    reference = (reference + 1) % 256;
    const parts = encodeSubmit({ to: '+8613800138000', text, concatReference: reference });
    if (parts.length !== expectedParts) throw new Error(`expected ${expectedParts} parts, got ${parts.length}`);
    let back = '';
    for (const part of parts) {
      const decoded = decodePdu(part.pdu);
      if (decoded.type !== 'submit') throw new Error('decoded a submit as something else');
      back += decoded.text;
    }
    if (back !== text) throw new Error('round trip changed the text');
    return back.length;
  };
}

const bufferRoundTrip = (text: string): number => Buffer.from(Buffer.from(text, 'utf16le').toString('hex'), 'hex').toString('utf16le').length;

export interface PduCaseResult {
  name: string;
  parts: number;
  codecPerSecond: number;
  baselinePerSecond: number;
  ratioToBaseline: number;
}

export async function run(options: { rounds?: number; ms?: number; log?: (line: string) => void } = {}): Promise<PduCaseResult[]> {
  const rounds = options.rounds ?? 5;
  const ms = options.ms ?? 400;
  const log = options.log ?? console.log;
  const results: PduCaseResult[] = [];
  for (const c of CASES) {
    const body = codec(c.parts);
    // Warm up so the JIT has compiled the hot paths before timing.
    rate(200, c.texts, body);
    rate(100, c.texts, bufferRoundTrip);
    log(`${c.name}:`);
    const measured = await alternate(
      rounds,
      [
        { name: 'baseline', run: () => ({ value: rate(ms, c.texts, bufferRoundTrip) }) },
        { name: 'codec', run: () => ({ value: rate(ms, c.texts, body) }) },
      ],
      log,
      (_name, value) => `${Math.round(value).toLocaleString('en-US')}/s`,
    );
    const codecPerSecond = measured.get('codec')!.median;
    const baselinePerSecond = measured.get('baseline')!.median;
    results.push({ name: c.name, parts: c.parts, codecPerSecond, baselinePerSecond, ratioToBaseline: codecPerSecond / baselinePerSecond });
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await run({ rounds: numberArg('rounds', 5), ms: numberArg('ms', 400) });
  const f = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log('');
  console.log(`PDU encode + decode round trips per second, one core, median of the rounds (${machine()}):`);
  for (const r of results) {
    console.log(`  ${r.name}: ${f(r.codecPerSecond)} messages/s (${f(r.codecPerSecond * r.parts)} parts/s); baseline Buffer UTF-16↔hex ${f(r.baselinePerSecond)}/s → codec ${r.ratioToBaseline.toFixed(3)}× baseline`);
  }
  const chinese = results[0]!;
  const met = chinese.codecPerSecond >= TARGET_PER_SECOND;
  console.log(`  target for 70-char Chinese ≥ ${f(TARGET_PER_SECOND)}/s: ${met ? 'met' : 'MISSED'}`);
  process.exitCode = met ? 0 : 1;
}
