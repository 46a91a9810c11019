import net from 'node:net';
import { ValidationError } from '../errors.js';

/**
 * Allowed client addresses for API keys and 云MAS accounts: single addresses
 * (192.168.1.20, ::1) or ranges in CIDR form (192.168.1.0/24). An empty list
 * allows every address. IPv4 clients seen through an IPv6 socket (::ffff:a.b.c.d)
 * are matched as IPv4.
 */
export const MAX_ADDRESSES = 50;

/** Cleans and checks a list typed by a person; the error names the first bad entry. */
export function normalizeAddressList(entries: readonly string[]): string[] {
  if (entries.length > MAX_ADDRESSES) throw new ValidationError(`At most ${MAX_ADDRESSES} allowed addresses; use ranges such as 192.168.1.0/24.`);
  const cleaned: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (!entry) continue;
    const [address, bits, extra] = entry.split('/');
    const family = net.isIP(address ?? '');
    const prefix = bits === undefined ? undefined : Number(bits);
    const maxBits = family === 6 ? 128 : 32;
    if (family === 0 || extra !== undefined || (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= maxBits && /^\d+$/.test(bits!)))) {
      throw new ValidationError(`"${entry}" is not an address or range. Write an address such as 192.168.1.20 or a range such as 192.168.1.0/24.`, { entry });
    }
    if (!cleaned.includes(entry)) cleaned.push(entry);
  }
  return cleaned;
}

function unmapped(ip: string): string {
  return ip.startsWith('::ffff:') && net.isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

/** Whether `ip` (the request's socket address) is in the list; an empty list allows everyone. */
export function addressAllowed(ip: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const address = unmapped(ip);
  const family = net.isIP(address);
  if (family === 0) return false;
  const list = new net.BlockList();
  for (const entry of allowed) {
    const [base, bits] = entry.split('/');
    const baseFamily = net.isIP(base ?? '') === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(base!, baseFamily);
    else list.addSubnet(base!, Number(bits), baseFamily);
  }
  return list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}
