import crypto from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';
import { decodePdu, describePdu, encodeSubmit, MAX_VALIDITY_MINUTES, type DecodedPdu, type PduDescription } from '../modem/pdu/index.js';
import { table, type CliOutput } from './output.js';

/**
 * `storemas pdu decode | encode`: the PDU codec at the command line, for
 * looking at what a modem printed (+CMGR, +CMGL, +CMT, +CDS lines) and at what
 * StoreMAS would send.
 */

const UNIT_MINUTES: Record<string, number> = { m: 1, h: 60, d: 1440, w: 10_080 };

/** 30m, 24h, 7d, 2w (a bare number is minutes). */
function parseValidity(value: string): number {
  const match = /^(\d+)\s*([mhdw]?)$/i.exec(value.trim());
  const minutes = match ? Number(match[1]) * UNIT_MINUTES[(match[2] || 'm').toLowerCase()]! : NaN;
  if (!(minutes > 0 && minutes <= MAX_VALIDITY_MINUTES)) {
    throw new InvalidArgumentError(`use a duration such as 30m, 24h, 7d or 2w, at most 63w (${MAX_VALIDITY_MINUTES} minutes).`);
  }
  return minutes;
}

function concatReference(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 255) throw new InvalidArgumentError('use a whole number from 0 to 255.');
  return n;
}

type SmscField = 'auto' | 'present' | 'absent';

/**
 * Decodes with the SMSC field as said, or finds out: CMGR/CMGL/CMT listings
 * print it first, a bare TPDU (from a log, a gateway) does not. With the field
 * is tried first; the error then is the one with the field (it already hints
 * when the hex decodes without).
 */
function decodeEither(hex: string, smsc: SmscField): { decoded: DecodedPdu; smscField: boolean } {
  if (smsc !== 'auto') return { decoded: decodePdu(hex, { hasSmsc: smsc === 'present' }), smscField: smsc === 'present' };
  try {
    return { decoded: decodePdu(hex, { hasSmsc: true }), smscField: true };
  } catch (withField) {
    try {
      return { decoded: decodePdu(hex, { hasSmsc: false }), smscField: false };
    } catch {
      throw withField;
    }
  }
}

function describeRows(description: PduDescription, smscField: boolean): string[][] {
  const rows: string[][] = [['type', description.type]];
  rows.push(['smsc', smscField ? (description.smsc ?? '(the SIM\'s default)') : '(no SMSC field)']);
  const number = (a: { number: string; type: string }) => `${a.number} (${a.type})`;
  if (description.sender) rows.push(['sender', number(description.sender)]);
  if (description.recipient) rows.push(['recipient', number(description.recipient)]);
  if (description.mr !== undefined) rows.push(['mr', String(description.mr)]);
  if (description.scts) rows.push(['scts', description.scts]);
  if (description.dischargeTime) rows.push(['dischargeTime', description.dischargeTime]);
  if (description.status !== undefined) {
    rows.push(['status', `0x${description.status.toString(16).padStart(2, '0').toUpperCase()} ${description.outcome ?? ''}${description.reason ? ` (${description.reason})` : ''}`.trim()]);
    if (description.detail) rows.push(['detail', description.detail]);
  }
  if (description.alphabet) rows.push(['alphabet', description.alphabet]);
  if (description.concat) rows.push(['concat', `part ${description.concat.part} of ${description.concat.total}, ref ${description.concat.ref} (${description.concat.bits}-bit)`]);
  if (description.ports) rows.push(['ports', `${description.ports.source} → ${description.ports.destination}`]);
  if (description.flash) rows.push(['flash', 'yes (class 0)']);
  else if (description.messageClass !== undefined && description.messageClass !== null) rows.push(['class', String(description.messageClass)]);
  if (description.waiting) rows.push(['waiting', `${description.waiting.kind} ${description.waiting.active ? 'on' : 'off'}${description.waiting.count !== undefined ? ` (${description.waiting.count})` : ''}`]);
  if (description.statusReportRequested !== undefined) rows.push(['statusReport', description.statusReportRequested ? 'requested' : 'not requested']);
  if (description.validity) rows.push(['validity', description.validity]);
  if (description.udh) rows.push(['udh', description.udh]);
  if (description.userDataHex) rows.push(['userData', description.userDataHex]);
  // Line breaks in the text would break the table: shown escaped.
  if (description.text !== undefined) rows.push(['text', JSON.stringify(description.text).slice(1, -1)]);
  return rows;
}

export function registerPduCommands(program: Command, out: CliOutput): void {
  const pdu = program.command('pdu').description('decode and encode SMS PDUs (3GPP TS 23.040) as modems print and take them');

  pdu
    .command('decode <hex>')
    .description('decode one PDU (SMS-DELIVER, SMS-SUBMIT or SMS-STATUS-REPORT); whether it starts with the SMSC field is found out unless said')
    .option('--smsc', 'the hex starts with the SMSC field (as +CMGR, +CMGL and +CMT print it)')
    .option('--no-smsc', 'the hex is a bare TPDU without the SMSC field')
    .option('--json', 'print JSON')
    .action((hex: string, options: { smsc?: boolean; json?: boolean }) => {
      const smsc: SmscField = options.smsc === undefined ? 'auto' : options.smsc ? 'present' : 'absent';
      const { decoded, smscField } = decodeEither(hex.replace(/\s+/g, ''), smsc);
      const description = describePdu(decoded);
      if (options.json) out.out(JSON.stringify({ ...description, smscField }, null, 2));
      else for (const line of table(describeRows(description, smscField))) out.out(line);
    });

  pdu
    .command('encode')
    .description('the SMS-SUBMIT PDU(s) for a text, one per part, each with its AT+CMGS length')
    .requiredOption('--to <number>', 'recipient, e.g. 13800138000 or +8613800138000')
    .requiredOption('--text <text>', 'message text (GSM 7-bit when it fits, else UCS2; long texts in parts)')
    .option('--smsc <number>', 'service centre number (default: none, the SIM\'s own)')
    .option('--status-report', 'ask for a status report')
    .option('--validity <duration>', 'validity period, e.g. 30m, 24h, 7d, 2w', parseValidity)
    .option('--ref <n>', 'concatenation reference of a long text (default: random)', concatReference)
    .option('--json', 'print JSON')
    .action((options: { to: string; text: string; smsc?: string; statusReport?: boolean; validity?: number; ref?: number; json?: boolean }) => {
      const parts = encodeSubmit({
        to: options.to,
        text: options.text,
        ...(options.smsc ? { smsc: options.smsc } : {}),
        requestStatusReport: options.statusReport === true,
        ...(options.validity !== undefined ? { validityMinutes: options.validity } : {}),
        concatReference: options.ref ?? crypto.randomInt(0, 256),
      });
      if (options.json) {
        out.out(
          JSON.stringify(
            {
              to: options.to,
              alphabet: parts[0]!.encoding,
              parts: parts.map((p) => ({ part: p.partNumber, total: p.partCount, cmgsLength: p.tpduLength, pdu: p.pdu, text: p.text })),
            },
            null,
            2,
          ),
        );
        return;
      }
      out.out(`${parts.length} part(s), ${parts[0]!.encoding}:`);
      for (const p of parts) {
        out.out(`part ${p.partNumber}/${p.partCount}: AT+CMGS=${p.tpduLength}`);
        out.out(p.pdu);
      }
    });
}
