import type { VendorQuirks } from './index.js';

/**
 * Huawei E1552/E1752/E3372 and relatives: a stream of ^RSSI, ^HCSQ, ^MODE,
 * ^DSFLOWRPT … codes that AT^CURC=0 turns off (as smstools3 does, see the log in
 * zabsalahid/serialport-gsm#18); "COMMAND NOT SUPPORT" for unknown commands
 * (gammu/gammu#138).
 */
export const huawei: VendorQuirks = {
  id: 'huawei',
  label: 'Huawei',
  matches: (manufacturer) => manufacturer.includes('huawei'),
  extraInit: ['AT^CURC=0'],
  noisePrefixes: ['^SYSINFOEX', '^LWURC', '^NWTIME', '^CPBREADY', '^POSITION', '^THERM'],
  cnmiFirst: [],
  reportStorage: null,
};
