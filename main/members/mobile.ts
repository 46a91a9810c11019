import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * Mobile numbers are stored in E.164 ('+8613800138000') so one number written
 * three ways (138 0013 8000, +86-138…, 008613800138000) is one member.
 * Numbers without a country code are read as Chinese.
 */
export function normaliseMobile(raw: string): string | undefined {
  const text = raw.trim().replace(/^00/, '+');
  if (!/^[+\d][\d\s\-()]*$/.test(text)) return undefined;
  const parsed = parsePhoneNumberFromString(text, 'CN');
  if (!parsed || !parsed.isValid()) return undefined;
  // Fixed lines cannot receive SMS; Chinese mobiles are 1[3-9] plus 9 digits.
  if (parsed.countryCallingCode === '86' && !/^1[3-9]\d{9}$/.test(parsed.nationalNumber)) return undefined;
  return parsed.number;
}
