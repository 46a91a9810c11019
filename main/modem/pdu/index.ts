/** SMS PDU codec (3GPP TS 23.040 / 23.038): pure functions, no I/O. */
export { PduError, type PduErrorCode } from './errors.js';
export {
  measureText,
  splitText,
  chooseEncoding,
  isGsm7,
  countUnits,
  PART_LIMITS,
  MAX_PARTS,
  type DataCoding,
  type TextMeasure,
  type TextSplit,
} from './length.js';
export {
  encodeSubmit,
  encodeDeliver,
  encodeDeliverParts,
  encodeStatusReport,
  type SubmitOptions,
  type EncodedPart,
  type EncodedPdu,
  type DeliverOptions,
  type DeliverPartsOptions,
  type StatusReportOptions,
} from './encode.js';
export { encodeSubmitUserData, type SubmitUserData, type SubmitUserDataOptions } from './submit-user-data.js';
export { MAX_VALIDITY_MINUTES, validityToOctet, octetToValidityMinutes } from './validity.js';
export {
  decodePdu,
  statusMeaning,
  type DecodedPdu,
  type DecodedDeliver,
  type DecodedSubmit,
  type DecodedStatusReport,
  type DecodeOptions,
  type DeliveryOutcome,
  type Validity,
} from './decode.js';
export { describePdu, isoWithOffset, type PduDescription } from './describe.js';
export type { PduAddress, AddressType } from './address.js';
export type { ConcatInfo, PortInfo, WaitingIndication, WaitingKind } from './udh.js';
export type { MessageClass } from './dcs.js';
