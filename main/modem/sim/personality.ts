import type { UssdEncoding } from './ussd.js';

/**
 * Vendor personalities of the simulated modem: the identity it reports, the
 * noise it makes, the words it uses and the CNMI settings it accepts. Each one
 * copies a quirk the driver must survive on the real device.
 */

export type PersonalityName = 'huawei' | 'simcom' | 'quectel' | 'wavecom';
export const PERSONALITY_NAMES: readonly PersonalityName[] = ['huawei', 'simcom', 'quectel', 'wavecom'];

export interface SimIdentity {
  manufacturer: string;
  model: string;
  revision: string;
  imei: string;
  imsi: string;
  /** Operator name as COPS reports it (format 0, long alphanumeric). */
  operator: string;
  /** Service centre address reported by AT+CSCA?. */
  smsc: string;
}

/** Values AT+CNMI accepts, per parameter; anything else is refused with +CMS ERROR 303. */
export interface CnmiSupport {
  mode: number[];
  mt: number[];
  bm: number[];
  ds: number[];
  bfr: number[];
}

export type MemoryName = 'SM' | 'ME' | 'MT';

export interface Personality {
  name: PersonalityName;
  identity: Omit<SimIdentity, 'imei' | 'imsi' | 'smsc'>;
  /** Lines ATI prints, built from the identity. */
  ati(identity: SimIdentity): string[];
  /** The final result for a command the modem does not know. */
  unknownCommand: string;
  /** Unsolicited lines after power-on or AT+CFUN=1,1. */
  bootNoise: string[];
  /** Noise the device sends on its own (signal, data counters, mode changes …). */
  noise: string[];
  /** Unsolicited notice when a message cannot be stored because the storage is full. */
  storageFullNotice: (memory: MemoryName) => string;
  memories: MemoryName[];
  cnmi: CnmiSupport;
  /** What AT+CMGR on an empty slot gives: a +CMS ERROR 321, or a bare OK (SIM800 style). */
  emptyRead: 'error' | 'ok';
  /** The AT+CBC answer: USB sticks have no battery (<bcs> 2), modules report charge and millivolts. */
  battery: string;
  /** Phonebook memories AT+CPBS=? lists (the first is the default). */
  phonebooks: string[];
  /** How AT+CUSD strings are written (see ussd.ts). */
  ussd: UssdEncoding;
}

const ALL_CNMI: CnmiSupport = { mode: [0, 1, 2], mt: [0, 1, 2, 3], bm: [0, 2], ds: [0, 1, 2], bfr: [0, 1] };

const PERSONALITIES: Record<PersonalityName, Personality> = {
  // Huawei E-series USB sticks (E173, E1550, E3372 in stick mode): a stream of ^-codes,
  // "COMMAND NOT SUPPORT" for unknown commands, ^SMMEMFULL, no direct +CDS routing.
  huawei: {
    name: 'huawei',
    identity: { manufacturer: 'huawei', model: 'E173', revision: '11.126.85.00.209', operator: 'CHINA MOBILE' },
    ati: (id) => [`Manufacturer: ${id.manufacturer}`, `Model: ${id.model}`, `Revision: ${id.revision}`, `IMEI: ${id.imei}`, '+GCAP: +CGSM,+DS,+ES'],
    unknownCommand: 'COMMAND NOT SUPPORT',
    bootNoise: ['^BOOT:20587193,0,0,0,75', '^SIMST: 1', '^SRVST: 2', '^MODE: 5,4'],
    noise: [
      '^RSSI: 18',
      '^HCSQ: "WCDMA",52,40,51',
      '^BOOT:20587193,0,0,0,75',
      '^MODE: 5,4',
      '^DSFLOWRPT: 0000002A,00000000,00000000,0000000000001B4C,0000000000002F80,0003E800,0003E800',
      '^SRVST: 2',
      '^SIMST: 1',
    ],
    storageFullNotice: (memory) => `^SMMEMFULL: "${memory}"`,
    memories: ['SM', 'ME'],
    cnmi: { ...ALL_CNMI, ds: [0, 2] },
    emptyRead: 'error',
    battery: '+CBC: 2,0',
    phonebooks: ['SM', 'EN', 'ON'],
    ussd: 'packed-hex',
  },
  // SIMCom SIM800/SIM7600: RDY / Call Ready / SMS Ready at boot, bare OK when reading an empty slot.
  simcom: {
    name: 'simcom',
    identity: { manufacturer: 'SIMCOM_Ltd', model: 'SIMCOM_SIM800L', revision: 'Revision:1418B04SIM800L24', operator: 'CHINA MOBILE' },
    ati: (id) => [`${id.model.replace(/^SIMCOM_/, '')} R14.18`],
    unknownCommand: 'ERROR',
    bootNoise: ['RDY', '+CFUN: 1', '+CPIN: READY', 'Call Ready', 'SMS Ready'],
    noise: ['RING', 'Call Ready', 'SMS Ready', '+CPIN: READY'],
    storageFullNotice: () => '+CIEV: "SMSFULL",1',
    memories: ['SM', 'ME', 'MT'],
    cnmi: ALL_CNMI,
    emptyRead: 'ok',
    battery: '+CBC: 0,95,4100',
    phonebooks: ['SM', 'MC', 'RC', 'DC', 'LA', 'ME', 'FD', 'ON', 'BN', 'SD', 'VM'],
    ussd: 'charset',
  },
  // Quectel EC25/EC20: +QIND notices, +QUSIM at boot.
  quectel: {
    name: 'quectel',
    identity: { manufacturer: 'Quectel', model: 'EC25', revision: 'EC25EFAR06A06M4G', operator: 'CHINA MOBILE' },
    ati: (id) => [id.manufacturer, id.model, `Revision: ${id.revision}`],
    unknownCommand: 'ERROR',
    bootNoise: ['RDY', '+CFUN: 1', '+CPIN: READY', '+QUSIM: 1', '+QIND: SMS DONE', '+QIND: PB DONE'],
    noise: ['+QIND: "csq",21,99', '+QIND: SMS DONE', 'RING'],
    storageFullNotice: (memory) => `+QIND: "smsfull","${memory}"`,
    memories: ['SM', 'ME', 'MT'],
    cnmi: ALL_CNMI,
    emptyRead: 'error',
    battery: '+CBC: 0,77,3927',
    phonebooks: ['SM', 'DC', 'FD', 'LD', 'MC', 'ME', 'RC', 'EN', 'ON'],
    ussd: 'charset',
  },
  // Wavecom/Sierra Fastrack: +WIND codes, status reports only routed directly (+CDS, no +CDSI).
  wavecom: {
    name: 'wavecom',
    identity: { manufacturer: 'WAVECOM MODEM', model: 'MULTIBAND  900E  1800', revision: '657e09gg.Q2406B 1266500 070307 17:04', operator: 'CHINA UNICOM' },
    ati: () => ['WAVECOM MODEM'],
    unknownCommand: 'ERROR',
    bootNoise: ['+WIND: 3', '+WIND: 1', '+WIND: 7', '+WIND: 4'],
    noise: ['+WIND: 4', '+CIEV: 2,3', 'RING'],
    storageFullNotice: () => '+CIEV: 7,1',
    memories: ['SM', 'ME'],
    cnmi: { ...ALL_CNMI, mode: [0, 1, 2, 3], ds: [0, 1] },
    emptyRead: 'error',
    battery: '+CBC: 0,0',
    phonebooks: ['SM', 'LD', 'MC', 'ON', 'ME', 'RC', 'EN'],
    ussd: 'charset',
  },
};

export function personality(name: PersonalityName): Personality {
  return PERSONALITIES[name];
}

export function isPersonalityName(value: unknown): value is PersonalityName {
  return typeof value === 'string' && (PERSONALITY_NAMES as readonly string[]).includes(value);
}
