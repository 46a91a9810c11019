import { AppError } from '../../errors.js';

/** Problems with the simulator's own options, control requests or PTY. */
export class SimulatorError extends AppError {
  constructor(code: string, message: string, status = 400, details?: Record<string, unknown>) {
    super(code, message, status, details);
  }
}

/** 3GPP TS 27.007 §9.2: the +CME ERROR texts the simulator uses under AT+CMEE=2. */
export const CME_TEXT: Readonly<Record<number, string>> = {
  0: 'phone failure',
  3: 'operation not allowed',
  4: 'operation not supported',
  10: 'SIM not inserted',
  11: 'SIM PIN required',
  12: 'SIM PUK required',
  13: 'SIM failure',
  16: 'incorrect password',
  20: 'memory full',
  21: 'invalid index',
  30: 'no network service',
  50: 'Incorrect parameters',
  100: 'unknown',
};

/** 3GPP TS 27.005 §3.2.5 and TS 24.011 RP causes: the +CMS ERROR texts under AT+CMEE=2 (the standard's names, "not implemented" included). */
export const CMS_TEXT: Readonly<Record<number, string>> = {
  1: 'Unassigned (unallocated) number',
  8: 'Operator determined barring',
  10: 'Call barred',
  21: 'Short message transfer rejected',
  27: 'Destination out of service',
  28: 'Unidentified subscriber',
  29: 'Facility rejected',
  30: 'Unknown subscriber',
  38: 'Network out of order',
  41: 'Temporary failure',
  42: 'Congestion',
  47: 'Resources unavailable, unspecified',
  50: 'Requested facility not subscribed',
  69: 'Requested facility not implemented',
  96: 'Invalid mandatory information',
  111: 'Protocol error, unspecified',
  300: 'ME failure',
  302: 'operation not allowed',
  303: 'operation not supported',
  304: 'invalid PDU mode parameter',
  305: 'invalid text mode parameter',
  310: 'SIM not inserted',
  311: 'SIM PIN required',
  313: 'SIM failure',
  316: 'SIM PUK required',
  321: 'invalid memory index',
  322: 'memory full',
  330: 'SMSC address unknown',
  331: 'no network service',
  332: 'network timeout',
  340: 'no +CNMA acknowledgement expected',
  500: 'unknown error',
};

export const CMS = {
  operationNotAllowed: 302,
  operationNotSupported: 303,
  invalidPduParameter: 304,
  invalidTextParameter: 305,
  simNotInserted: 310,
  simPinRequired: 311,
  simPukRequired: 316,
  invalidMemoryIndex: 321,
  memoryFull: 322,
  noNetworkService: 331,
  noAckExpected: 340,
  unknown: 500,
} as const;

export const CME = {
  operationNotAllowed: 3,
  operationNotSupported: 4,
  simNotInserted: 10,
  simPinRequired: 11,
  simPukRequired: 12,
  incorrectPassword: 16,
  noNetworkService: 30,
  incorrectParameters: 50,
} as const;
