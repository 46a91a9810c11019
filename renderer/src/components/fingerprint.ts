/** A SHA-256 fingerprint (32 colon-separated bytes) as two lines of 16 bytes: easier to compare by eye. */
export function fingerprintLines(fingerprint: string): string[] {
  const bytes = fingerprint.split(':');
  return [bytes.slice(0, 16).join(':'), bytes.slice(16).join(':')].filter(Boolean);
}
