import net from 'node:net';
import os from 'node:os';

/**
 * Which peers count as "this machine" (they may use plain HTTP: the desktop
 * window loads http://127.0.0.1:<port>), and the addresses other machines in
 * the store reach StoreMAS at.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.toLowerCase().replace(/^::ffff:/, '');
  if (plain === 'localhost') return true; // a listen address given by name
  if (net.isIPv4(plain)) return plain.startsWith('127.');
  return plain === '::1' || plain === '0:0:0:0:0:0:0:1';
}

/** The machine's IPv4 addresses other machines can reach (no loopback, no link-local 169.254/16). */
export function lanIPv4Addresses(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): string[] {
  const addresses = new Set<string>();
  for (const entries of Object.values(interfaces)) {
    for (const entry of entries ?? []) {
      if (entry.family !== 'IPv4' || entry.internal) continue;
      if (isLoopbackAddress(entry.address) || entry.address.startsWith('169.254.')) continue;
      addresses.add(entry.address);
    }
  }
  return [...addresses];
}

/** https://<address>:<port>/ for each LAN address: what staff type into their browsers. */
export function lanUrls(port: number, addresses: readonly string[] = lanIPv4Addresses()): string[] {
  return addresses.map((address) => `https://${address}:${port}/`);
}
