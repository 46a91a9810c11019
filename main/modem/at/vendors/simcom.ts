import type { VendorQuirks } from './index.js';

/**
 * SIMCom SIM800/SIM7600: the SIM800L rejects CNMI <ds>=2 and routes reports as
 * +CDS (faucamp/python-gsmmodem#60); it prints "Call Ready"/"SMS Ready" and
 * *PSUTTZ/DST time codes after start-up. The SIM7600 announces reports in "SR"
 * (babca/python-gsmmodem#106), which the driver reads by switching storage.
 */
export const simcom: VendorQuirks = {
  id: 'simcom',
  label: 'SIMCom',
  matches: (manufacturer) => manufacturer.includes('simcom'),
  extraInit: [],
  noisePrefixes: ['CALL READY', 'SMS READY', '*PSUTTZ', 'DST:', '+CTZV', 'PB DONE', '+SIMCARD'],
  cnmiFirst: ['2,1,0,1,0'],
  reportStorage: null,
};
