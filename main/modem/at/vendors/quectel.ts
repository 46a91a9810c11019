import type { VendorQuirks } from './index.js';

/**
 * Quectel EC25/EG25: status reports are stored in "SR" but announced as
 * +CDSI: "SM",n, and AT+CMGR on "SM" then answers an empty OK, losing the
 * report (IchthysMaranatha/asterisk-chan-quectel#75). Routing reports directly
 * (+CDS, CNMI <ds>=1) avoids it; if a +CDSI still comes, it is read from "SR".
 * URCs go to the port chosen by AT+QURCCFG; it is left as the installer set it,
 * since the right port depends on whether the modem is wired by UART or USB.
 */
export const quectel: VendorQuirks = {
  id: 'quectel',
  label: 'Quectel',
  matches: (manufacturer) => manufacturer.includes('quectel'),
  extraInit: [],
  noisePrefixes: ['+QIND', '+QUSIM', '+QNITZ', 'RDY', '+QCSQ'],
  cnmiFirst: ['2,1,0,1,0'],
  reportStorage: 'SR',
};
