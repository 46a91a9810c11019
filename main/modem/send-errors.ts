/**
 * What a failed AT+CMGS means for the message: try again (the network or the
 * modem was busy) or give up (the number or the message itself is wrong, the
 * SIM cannot send). One table, with its sources:
 *
 *  - 0–127: RP-cause values of TS 24.011 §8.2.5.4 (Table 8.4), passed through
 *    by the modem as +CMS ERROR n;
 *  - 128–255: TP-Failure-Cause of TS 23.040 §9.2.3.22;
 *  - 300–500: TS 27.005 §3.2.5 (ME/TA errors);
 *  - 512 and up: manufacturer specific (SIMCom, Huawei and Quectel manuals all
 *    use them for "network/radio failure, try later"), so retryable.
 *
 * `scope` says who is at fault: 'recipient' and 'content' fail the message on
 * any modem; 'modem' means another modem (or this one after recovery) may send
 * it; 'network' means wait and retry.
 */
export type FailureScope = 'recipient' | 'content' | 'network' | 'modem';

export interface SendFailureClass {
  retryable: boolean;
  scope: FailureScope;
  meaning: string;
}

/**
 * RP causes by number (3GPP TS 24.011 Table 8.4) with the standard's own names: "… not
 * implemented" (69, 97, 99) is what the network says of itself, not unfinished StoreMAS code.
 */
const TABLE: Record<number, [boolean, FailureScope, string]> = {
  1: [false, 'recipient', 'unassigned (unallocated) number'],
  8: [false, 'modem', 'operator determined barring'],
  10: [false, 'modem', 'call barred'],
  17: [true, 'network', 'network failure'],
  21: [false, 'recipient', 'short message transfer rejected'],
  22: [true, 'network', 'memory capacity exceeded at the recipient'],
  27: [true, 'network', 'destination out of order'],
  28: [false, 'recipient', 'unidentified subscriber'],
  29: [false, 'modem', 'facility rejected'],
  30: [false, 'recipient', 'unknown subscriber'],
  38: [true, 'network', 'network out of order'],
  41: [true, 'network', 'temporary failure'],
  42: [true, 'network', 'congestion'],
  47: [true, 'network', 'resources unavailable'],
  50: [false, 'modem', 'requested facility not subscribed'],
  69: [false, 'modem', 'requested facility not implemented'],
  81: [true, 'network', 'invalid short message transfer reference value'],
  95: [false, 'content', 'invalid message'],
  96: [false, 'content', 'invalid mandatory information'],
  97: [false, 'content', 'message type non-existent or not implemented'],
  98: [true, 'network', 'message not compatible with short message protocol state'],
  99: [false, 'content', 'information element non-existent or not implemented'],
  111: [true, 'network', 'protocol error'],
  127: [true, 'network', 'interworking error'],
  128: [false, 'content', 'telematic interworking not supported'],
  129: [false, 'content', 'short message type 0 not supported'],
  130: [false, 'content', 'cannot replace short message'],
  143: [false, 'content', 'unspecified TP-PID error'],
  144: [false, 'content', 'data coding scheme not supported'],
  145: [false, 'content', 'message class not supported'],
  159: [false, 'content', 'unspecified TP-DCS error'],
  160: [false, 'content', 'command cannot be actioned'],
  161: [false, 'content', 'command unsupported'],
  175: [false, 'content', 'unspecified TP-command error'],
  176: [false, 'content', 'TPDU not supported'],
  192: [true, 'network', 'service centre busy'],
  193: [false, 'modem', 'no service centre subscription'],
  194: [true, 'network', 'service centre system failure'],
  195: [false, 'recipient', 'invalid recipient address'],
  196: [false, 'recipient', 'recipient barred'],
  197: [false, 'content', 'rejected as a duplicate'],
  198: [false, 'content', 'validity period format not supported'],
  199: [false, 'content', 'validity period not supported'],
  208: [true, 'modem', 'SIM SMS storage full'],
  209: [false, 'modem', 'no SMS storage capability in SIM'],
  210: [true, 'modem', 'error in MS'],
  211: [true, 'modem', 'memory capacity exceeded'],
  212: [true, 'modem', 'SIM application toolkit busy'],
  213: [true, 'modem', 'SIM data download error'],
  255: [true, 'network', 'unspecified error'],
  300: [true, 'modem', 'ME failure'],
  301: [false, 'modem', 'SMS service of ME reserved'],
  302: [true, 'modem', 'operation not allowed (modem not ready)'],
  303: [false, 'modem', 'operation not supported'],
  304: [false, 'content', 'invalid PDU mode parameter'],
  305: [false, 'content', 'invalid text mode parameter'],
  310: [false, 'modem', 'SIM not inserted'],
  311: [false, 'modem', 'SIM PIN required'],
  312: [false, 'modem', 'PH-SIM PIN required'],
  313: [false, 'modem', 'SIM failure'],
  314: [true, 'modem', 'SIM busy'],
  315: [false, 'modem', 'SIM wrong'],
  316: [false, 'modem', 'SIM PUK required'],
  317: [false, 'modem', 'SIM PIN2 required'],
  318: [false, 'modem', 'SIM PUK2 required'],
  320: [true, 'modem', 'memory failure'],
  321: [false, 'modem', 'invalid memory index'],
  322: [true, 'modem', 'memory full'],
  330: [false, 'modem', 'SMSC address unknown'],
  331: [true, 'network', 'no network service'],
  332: [true, 'network', 'network timeout'],
  340: [false, 'modem', 'no +CNMA acknowledgement expected'],
  500: [true, 'network', 'unknown error'],
};

export function classifySendFailure(cmsCode: number | null): SendFailureClass {
  if (cmsCode === null) return { retryable: true, scope: 'modem', meaning: 'the modem answered ERROR without a code' };
  const known = TABLE[cmsCode];
  if (known) return { retryable: known[0], scope: known[1], meaning: known[2] };
  if (cmsCode >= 512) return { retryable: true, scope: 'network', meaning: `manufacturer-specific error ${cmsCode}` };
  if (cmsCode < 128) return { retryable: true, scope: 'network', meaning: `network cause ${cmsCode}` };
  if (cmsCode < 256) return { retryable: false, scope: 'content', meaning: `TP failure cause ${cmsCode}` };
  return { retryable: false, scope: 'modem', meaning: `modem error ${cmsCode}` };
}
