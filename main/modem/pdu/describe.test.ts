import { describe, expect, it } from 'vitest';
import { decodePdu, describePdu, encodeSubmit, isoWithOffset } from './index.js';

describe('describePdu: the plain JSON of `storemas pdu decode --json`', () => {
  it('names the fields of a DELIVER, with the time at the sender’s offset (python-gsmmodem HK vector, GMT+8)', () => {
    const d = describePdu(decodePdu('07915892000000F0040B915892214365F700007040213252242331493A283D0795C3F33C88FE06C9CB6132885EC6D341EDF27C1E3E97E7207B3A0C0A5241E377BB1D7693E72E'));
    expect(d).toEqual({
      type: 'SMS-DELIVER',
      smsc: '+85290000000',
      sender: { number: '+85291234567', type: 'international' },
      text: 'It is easy to read text messages via AT commands.',
      alphabet: 'gsm7',
      messageClass: null,
      flash: false,
      scts: '2007-04-12T23:25:42+08:00',
    });
  });

  it('names concat and a negative offset', () => {
    const d = describePdu(decodePdu('07915892000000F0040B915892214365F700007040213252242B31493A283D0795C3F33C88FE06C9CB6132885EC6D341EDF27C1E3E97E7207B3A0C0A5241E377BB1D7693E72E'));
    expect(d.scts).toBe('2007-04-12T23:25:42-08:00');
    const part = describePdu(decodePdu(encodeSubmit({ to: '+8613800138000', text: '惠'.repeat(80), concatReference: 42, validityMinutes: 1440 })[1]!.pdu));
    expect(part).toMatchObject({ type: 'SMS-SUBMIT', alphabet: 'ucs2', concat: { ref: 42, part: 2, total: 2, bits: 8 }, mr: 0, statusReportRequested: true, validity: '1440 minutes' });
    expect(part.recipient).toEqual({ number: '+8613800138000', type: 'international' });
  });

  it('names a status report (python-messaging Movistar capture)', () => {
    expect(describePdu(decodePdu('07914306073011F006270B913426565711F7012081111345400120811174054043'))).toEqual({
      type: 'SMS-STATUS-REPORT',
      smsc: '+34607003110',
      recipient: { number: '+43626575117', type: 'international' },
      mr: 39,
      scts: '2010-02-18T11:31:54+01:00',
      dischargeTime: '2010-02-18T11:47:50+01:00',
      status: 0x43,
      outcome: 'failed',
      reason: 'permanent error',
      detail: 'not obtainable',
    });
  });

  it('formats offsets of whole and partial hours', () => {
    expect(isoWithOffset(Date.UTC(2026, 0, 1, 0, 0, 0), 345)).toBe('2026-01-01T05:45:00+05:45');
    expect(isoWithOffset(Date.UTC(2026, 0, 1, 0, 0, 0), -210)).toBe('2025-12-31T20:30:00-03:30');
    expect(isoWithOffset(Date.UTC(2026, 0, 1, 0, 0, 0), 0)).toBe('2026-01-01T00:00:00+00:00');
  });
});
