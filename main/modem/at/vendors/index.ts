/**
 * Vendor quirks, one file per manufacturer, chosen from AT+CGMI/AT+CGMM.
 * Everything here is a difference from the standard (3GPP TS 27.005/27.007)
 * behaviour that the driver otherwise follows; each quirk names its source.
 */
export interface VendorQuirks {
  id: string;
  label: string;
  matches(manufacturer: string, model: string): boolean;
  /** Run after the standard initialisation; a failure is ignored (older firmware lacks them). */
  extraInit: readonly string[];
  /** Extra unsolicited chatter to ignore. */
  noisePrefixes: readonly string[];
  /** CNMI settings to try before the generic ones. */
  cnmiFirst: readonly string[];
  /** Where status reports really are when +CDSI names another storage. */
  reportStorage: string | null;
}

import { cinterion } from './cinterion.js';
import { huawei } from './huawei.js';
import { quectel } from './quectel.js';
import { simcom } from './simcom.js';
import { wavecom } from './wavecom.js';

export const GENERIC: VendorQuirks = {
  id: 'generic',
  label: 'Generic 3GPP modem',
  matches: () => true,
  extraInit: [],
  noisePrefixes: [],
  cnmiFirst: [],
  reportStorage: null,
};

export const VENDORS: readonly VendorQuirks[] = [huawei, simcom, quectel, wavecom, cinterion];

export function quirksFor(manufacturer: string | null, model: string | null): VendorQuirks {
  const m = (manufacturer ?? '').toLowerCase();
  const n = (model ?? '').toLowerCase();
  return VENDORS.find((v) => v.matches(m, n)) ?? GENERIC;
}
