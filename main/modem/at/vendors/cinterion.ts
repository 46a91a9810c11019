import type { VendorQuirks } from './index.js';

/**
 * Cinterion (Siemens) MC35i/MC55i/MC75i: ^SYSSTART after a restart; the MC75i
 * accepts only 1 for the CNMI <bfr> parameter and no "ME" for received
 * messages (gammu/gammu#1207) — both handled by reading AT+CNMI=? and
 * AT+CPMS=?, not by fixed values. ^SBC/^SCTM report power and temperature.
 */
export const cinterion: VendorQuirks = {
  id: 'cinterion',
  label: 'Cinterion / Siemens',
  matches: (manufacturer) => manufacturer.includes('cinterion') || manufacturer.includes('siemens'),
  extraInit: [],
  noisePrefixes: ['^SBC', '^SCTM', '^SSIM', '+CIEV'],
  cnmiFirst: [],
  reportStorage: null,
};
