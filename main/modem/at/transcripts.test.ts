import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScriptedTransport } from '../transport/scripted.js';
import * as parsers from './parsers.js';
import { AtSession } from './session.js';
import type { Unsolicited } from './unsolicited.js';

/**
 * Replays the golden transcripts in tests/transcripts/ (one per real device,
 * each citing the public log it comes from) through the session and parsers.
 */
const DIR = path.resolve(__dirname, '../../../tests/transcripts');

type Step =
  | { kind: 'command'; command: string; before: string[]; prompt: boolean; data?: string; after: string[]; checks: Check[] }
  | { kind: 'unsolicited'; lines: string[]; checks: Check[] };
type Check = { kind: 'parse'; parser: string; expected: unknown } | { kind: 'event'; type: string; expected: Record<string, unknown> };

interface Transcript {
  device: string;
  sources: string[];
  echo: boolean;
  eol: string;
  steps: Step[];
}

function parseTranscript(text: string): Transcript {
  const transcript: Transcript = { device: '', sources: [], echo: false, eol: '\r\n', steps: [] };
  let current: Step | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [tag, ...restParts] = line.split(' ');
    const rest = restParts.join(' ');
    switch (tag) {
      case '@device':
        transcript.device = rest;
        break;
      case '@source':
        transcript.sources.push(rest);
        break;
      case '@echo':
        transcript.echo = rest === 'on';
        break;
      case '@eol':
        transcript.eol = rest === 'cr' ? '\r' : '\r\n';
        break;
      case '>':
        current = { kind: 'command', command: rest, before: [], prompt: false, after: [], checks: [] };
        transcript.steps.push(current);
        break;
      case '<':
        if (current?.kind !== 'command') throw new Error(`reply without command: ${line}`);
        if (rest === '>') current.prompt = true;
        else (current.prompt ? current.after : current.before).push(rest);
        break;
      case '>>':
        if (current?.kind !== 'command') throw new Error(`data without command: ${line}`);
        current.data = rest;
        break;
      case '~':
        if (current?.kind !== 'unsolicited') {
          current = { kind: 'unsolicited', lines: [], checks: [] };
          transcript.steps.push(current);
        }
        current.lines.push(rest);
        break;
      case '=': {
        const [parser, ...json] = restParts;
        current!.checks.push({ kind: 'parse', parser: parser!, expected: JSON.parse(json.join(' ')) });
        break;
      }
      case '!': {
        const [type, ...json] = restParts;
        current!.checks.push({ kind: 'event', type: type!, expected: json.length > 0 ? JSON.parse(json.join(' ')) : {} });
        break;
      }
      default:
        throw new Error(`unknown transcript line: ${line}`);
    }
  }
  return transcript;
}

const PARSERS: Record<string, (lines: string[], final: unknown) => unknown> = {
  final: (_lines, final) => final,
  csq: (lines) => parsers.parseCsq(lines),
  creg: (lines) => parsers.parseCreg(lines),
  cops: (lines) => parsers.parseCops(lines),
  cpin: (lines) => parsers.parseCpin(lines),
  cpmsSupport: (lines) => parsers.parseCpmsSupport(lines),
  cpmsUse: (lines) => parsers.parseCpmsUse(lines),
  storageChoice: (lines) => parsers.chooseStorage(parsers.parseCpmsSupport(lines)!),
  cnmiSupport: (lines) => parsers.parseCnmiSupport(lines),
  cnmiFirst: (lines) => parsers.cnmiCandidates(parsers.parseCnmiSupport(lines))[0],
  cmgl: (lines) => parsers.parseCmgl(lines),
  cmgr: (lines) => parsers.parseCmgr(lines, 0),
  cmgs: (lines) => parsers.parseCmgs(lines),
  info: (lines) => parsers.parseInfoText(lines, '+CGM'),
  imei: (lines) => parsers.parseImei(lines),
  imsi: (lines) => parsers.parseImsi(lines),
};

const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.txt'));

describe('golden transcripts', () => {
  it('covers the devices named in the issue', () => {
    const names = files.join(' ');
    for (const device of ['huawei-e1552', 'huawei-e3372', 'simcom-sim800', 'simcom-sim7600', 'quectel-ec25', 'wavecom', 'cinterion']) {
      expect(names).toContain(device);
    }
  });

  for (const file of files) {
    it(`replays ${file}`, async () => {
      const transcript = parseTranscript(fs.readFileSync(path.join(DIR, file), 'utf8'));
      expect(transcript.device).not.toBe('');
      expect(transcript.sources.length).toBeGreaterThan(0);
      const transport = new ScriptedTransport(transcript.device);
      await transport.open();
      const events: Unsolicited[] = [];
      const session = new AtSession(transport, { defaultTimeoutMs: 500, onUnsolicited: (e) => events.push(e) });
      const eol = transcript.eol;
      const frame = (lines: string[]) => lines.map((l) => `${eol}${l}${eol}`).join('');
      let checked = 0;
      for (const step of transcript.steps) {
        events.length = 0;
        let lines: string[] = [];
        let final: unknown;
        if (step.kind === 'command') {
          transport.clearRules();
          const echo = transcript.echo ? `${step.command}\r` : '';
          transport.on(step.command, `${echo}${frame(step.before)}${step.prompt ? `${eol}> ` : ''}`, 1);
          if (step.data !== undefined) {
            transport.on(new RegExp(`^${step.data}\\x1a$`), `${transcript.echo ? `${step.data}\x1a` : ''}${frame(step.after)}`, 1);
          }
          const reply = await session.execute(step.command, step.data !== undefined ? { promptData: step.data } : {});
          lines = reply.lines;
          final = reply.final;
          if (step.data !== undefined) expect(transport.lastWrite).toBe(`${step.data}\x1a`);
        } else {
          for (const line of step.lines) transport.emitData(`${eol}${line}${eol}`);
        }
        for (const check of step.checks) {
          checked += 1;
          if (check.kind === 'parse') {
            const value = PARSERS[check.parser]!(lines, final);
            if (check.expected !== null && typeof check.expected === 'object') expect(value, `${file}: ${check.parser}`).toMatchObject(check.expected);
            else expect(value, `${file}: ${check.parser}`).toEqual(check.expected);
          } else {
            expect(events, `${file}: event ${check.type}`).toContainEqual(expect.objectContaining({ type: check.type, ...check.expected }));
          }
        }
        // Nothing unsolicited that the transcript did not expect.
        expect(events.length, `${file}: unexpected events ${JSON.stringify(events)}`).toBe(step.checks.filter((c) => c.kind === 'event').length);
      }
      expect(checked).toBeGreaterThan(3);
    });
  }
});
