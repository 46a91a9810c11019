import { AppError } from '../../errors.js';

/**
 * Every problem with a PDU or with the options for building one. Decoding never throws anything
 * else: a corrupt PDU from a modem becomes a PduError the caller can record and move past.
 */
export type PduErrorCode =
  | 'PDU_INVALID' // structurally wrong: bad hex, truncated, lengths beyond the data, reserved values
  | 'PDU_EMPTY' // nothing to decode, or an empty storage slot (all 0xFF filler)
  | 'PDU_UNSUPPORTED' // well-formed but a kind this codec does not handle (compressed text, SMS-COMMAND …)
  | 'PDU_BAD_ADDRESS' // a phone number that cannot be encoded
  | 'PDU_BAD_OPTION' // an encoder option out of range
  | 'PDU_TEXT_NOT_ENCODABLE' // text has characters the forced encoding cannot carry
  | 'PDU_TOO_LONG' // text needs more than 255 parts, or the input is longer than any PDU
  | 'PDU_DECODER_FAULT'; // an unexpected internal failure, wrapped so callers only see PduError

export class PduError extends AppError {
  override readonly code: PduErrorCode;
  constructor(code: PduErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, 400, details);
    this.code = code;
  }
}
