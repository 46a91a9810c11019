import type { VendorQuirks } from './index.js';

/**
 * Wavecom/Sierra Fastrack (MULTIBAND 900E 1800): +WIND indications after
 * start-up and SIM events (turned off with AT+WIND=0); RS-232 models want
 * hardware flow control (set rtscts on the modem). Sources: gammu/gammu#407,
 * #154 and #833 (identity, CMGR errors and the CMGS prompt of this model).
 */
export const wavecom: VendorQuirks = {
  id: 'wavecom',
  label: 'Wavecom / Sierra',
  matches: (manufacturer, model) => manufacturer.includes('wavecom') || model.includes('multiband') || manufacturer.includes('sierra'),
  extraInit: ['AT+WIND=0'],
  noisePrefixes: ['+WIND'],
  cnmiFirst: [],
  reportStorage: null,
};
