/**
 * Splits one AT command line ("ATE0;+CMEE=2" or "AT+CPMS=\"SM\",\"SM\"") into
 * commands, the way a modem does: basic commands may follow each other
 * directly, extended ones are separated by ';'.
 */

export type AtOperation = 'exec' | 'set' | 'read' | 'test';

export interface AtCommand {
  /** Upper-case name with its prefix: 'E', 'Z', '&F', '+CMGS', '^CURC'. */
  name: string;
  op: AtOperation;
  /** Parameters with quotes removed; an omitted one is ''. Basic commands carry their digits here. */
  args: string[];
}

const EXTENDED_PREFIX = /[+^$%]/;

/** Returns the commands of a line starting with AT, or null when the line is not an AT command. */
export function parseCommandLine(line: string): AtCommand[] | null {
  const trimmed = line.trim();
  if (!/^at/i.test(trimmed)) return null;
  const body = trimmed.slice(2);
  const commands: AtCommand[] = [];
  let i = 0;
  while (i < body.length) {
    const ch = body[i]!;
    if (ch === ';' || ch === ' ') {
      i++;
    } else if (EXTENDED_PREFIX.test(ch)) {
      let end = i + 1;
      let quoted = false;
      while (end < body.length && (quoted || body[end] !== ';')) {
        if (body[end] === '"') quoted = !quoted;
        end++;
      }
      commands.push(parseExtended(body.slice(i, end)));
      i = end;
    } else if (ch === '&') {
      const match = /^&([A-Za-z])(\d*)/.exec(body.slice(i));
      if (!match) return [{ name: body.slice(i).toUpperCase(), op: 'exec', args: [] }];
      commands.push({ name: `&${match[1]!.toUpperCase()}`, op: 'exec', args: match[2] ? [match[2]] : [] });
      i += match[0].length;
    } else {
      const match = /^([A-Za-z])(\d*)(\?)?/.exec(body.slice(i));
      if (!match) return [{ name: body.slice(i).toUpperCase(), op: 'exec', args: [] }];
      commands.push({ name: match[1]!.toUpperCase(), op: match[3] ? 'read' : 'exec', args: match[2] ? [match[2]] : [] });
      i += match[0].length;
    }
  }
  return commands;
}

function parseExtended(text: string): AtCommand {
  const nameMatch = /^[+^$%][A-Za-z0-9_]+/.exec(text);
  const name = (nameMatch ? nameMatch[0] : text).toUpperCase();
  const rest = text.slice(name.length).trim();
  if (rest === '') return { name, op: 'exec', args: [] };
  if (rest === '?') return { name, op: 'read', args: [] };
  if (rest === '=?') return { name, op: 'test', args: [] };
  if (rest.startsWith('=')) return { name, op: 'set', args: splitArgs(rest.slice(1)) };
  return { name: name + rest.toUpperCase(), op: 'exec', args: [] };
}

function splitArgs(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      args.push(current.trim());
      current = '';
    } else current += ch;
  }
  args.push(quoted ? current : current.trim());
  return args;
}
