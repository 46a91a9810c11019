import { describe, expect, it } from 'vitest';
import { classifySendFailure } from './send-errors.js';

describe('send failure classification', () => {
  it.each([
    [331, true, 'network'],
    [332, true, 'network'],
    [42, true, 'network'],
    [47, true, 'network'],
    [500, true, 'network'],
    [512, true, 'network'],
    [1, false, 'recipient'],
    [21, false, 'recipient'],
    [28, false, 'recipient'],
    [304, false, 'content'],
    [305, false, 'content'],
    [310, false, 'modem'],
    [330, false, 'modem'],
  ])('+CMS ERROR %i: retryable %s, %s', (code, retryable, scope) => {
    expect(classifySendFailure(code)).toMatchObject({ retryable, scope });
  });

  it('treats a bare ERROR as a modem problem worth retrying', () => {
    expect(classifySendFailure(null)).toMatchObject({ retryable: true, scope: 'modem' });
  });
});
