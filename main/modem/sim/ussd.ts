import { packSeptets, septetOctets, septetsToText, textToSeptets, unpackSeptets } from '../pdu/gsm7.js';
import { bytesToHex } from '../pdu/hex.js';

/**
 * USSD strings (*100# and the network's answer) as a device writes them in
 * AT+CUSD: Huawei sticks take and give the GSM 7-bit alphabet packed into
 * hex whatever AT+CSCS says ("AA180C3602" is *100#); other devices use the
 * AT+CSCS character set (UCS2: hex of UTF-16BE, otherwise plain text).
 */
export type UssdEncoding = 'packed-hex' | 'charset';

/** DCS 15: GSM 7-bit, language unspecified (what management software sends and the network answers). */
export const USSD_DCS = 15;

/** The network's answer to any USSD request in the simulator: a balance enquiry, as operators give it. */
export const USSD_ANSWER = 'Balance: 12.30 CNY. Valid until 2027-12-31.';

function isHex(value: string): boolean {
  return value.length > 0 && value.length % 2 === 0 && /^[0-9A-Fa-f]+$/.test(value);
}

/** The request text of AT+CUSD=1,"<str>",<dcs>; undefined when the device could not read it. */
export function decodeUssdRequest(value: string, encoding: UssdEncoding, charset: string): string | undefined {
  if (encoding === 'packed-hex') {
    if (!isHex(value)) return undefined;
    const octets = new Uint8Array(Buffer.from(value, 'hex'));
    const count = Math.floor((octets.length * 8) / 7);
    const septets = [...unpackSeptets(octets, 0, count)];
    // Seven septets fill seven octets exactly; a trailing CR (or zero) pads an eighth septet.
    if (septets.length > 0 && (septets[septets.length - 1] === 0x0d || septets[septets.length - 1] === 0)) septets.pop();
    return septetsToText(septets);
  }
  if (charset === 'UCS2') return isHex(value) && value.length % 4 === 0 ? Buffer.from(value, 'hex').swap16().toString('utf16le') : undefined;
  return value;
}

/** The network's answer as the device shows it in +CUSD: <m>,"<str>",<dcs>. */
export function encodeUssdAnswer(text: string, encoding: UssdEncoding, charset: string): string {
  if (encoding === 'packed-hex') {
    const septets = textToSeptets(text) ?? textToSeptets(text.replace(/[^ -~]/g, '?'))!;
    // Seven spare bits at the end would read as '@': they carry a CR instead (TS 23.038 §6.1.2.3.1).
    if (septets.length % 8 === 7) septets.push(0x0d);
    const octets = new Uint8Array(septetOctets(septets.length));
    packSeptets(septets, octets, 0);
    return bytesToHex(octets);
  }
  if (charset === 'UCS2') return Buffer.from(text, 'utf16le').swap16().toString('hex').toUpperCase();
  return text;
}
