import type os from 'node:os';
import { describe, expect, it } from 'vitest';
import { isLoopbackAddress, lanIPv4Addresses, lanUrls } from './addresses.js';
import { hostnameOf } from './listener.js';

describe('which peers are this machine', () => {
  it('counts 127.0.0.0/8 and ::1 (also IPv4-mapped) as loopback, nothing else', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1', 'localhost']) expect(isLoopbackAddress(address), address).toBe(true);
    for (const address of ['192.168.1.20', '10.0.0.1', '::ffff:192.168.1.20', 'fd00::2', '0.0.0.0', '::', '128.0.0.1', '', undefined]) {
      expect(isLoopbackAddress(address), String(address)).toBe(false);
    }
  });
});

describe('the addresses staff use', () => {
  const entry = (address: string, family: 'IPv4' | 'IPv6', internal = false) =>
    ({ address, family, internal, netmask: '', mac: '', cidr: null }) as unknown as os.NetworkInterfaceInfo;

  it('lists the LAN IPv4 addresses once each, without loopback, link-local or IPv6', () => {
    const interfaces = {
      lo: [entry('127.0.0.1', 'IPv4', true), entry('::1', 'IPv6', true)],
      eth0: [entry('192.168.1.20', 'IPv4'), entry('fe80::1', 'IPv6')],
      wlan0: [entry('10.0.0.7', 'IPv4'), entry('169.254.3.4', 'IPv4')],
      bridge: [entry('192.168.1.20', 'IPv4')],
    };
    expect(lanIPv4Addresses(interfaces)).toEqual(['192.168.1.20', '10.0.0.7']);
    expect(lanUrls(8780, ['192.168.1.20'])).toEqual(['https://192.168.1.20:8780/']);
  });

  it('reads the host name of a Host header, refusing anything that is not a name or an address', () => {
    expect(hostnameOf('192.168.1.20:8780')).toBe('192.168.1.20');
    expect(hostnameOf('storemas.local')).toBe('storemas.local');
    expect(hostnameOf('[fd00::2]:8780')).toBe('fd00::2');
    expect(hostnameOf('evil.example/@x')).toBeUndefined();
    expect(hostnameOf('a b')).toBeUndefined();
    expect(hostnameOf(undefined)).toBeUndefined();
  });
});
