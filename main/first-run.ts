import fs from 'node:fs';
import path from 'node:path';

export const INITIAL_PASSWORD_FILE = 'initial-admin-password.txt';

/**
 * Writes the first-run admin password where only the appliance's own OS user
 * can read it (0600), for an installer who missed the console line.
 * Removed once admin has chosen a password.
 */
export function writeInitialPasswordFile(dataDir: string, password: string): string {
  const file = path.join(dataDir, INITIAL_PASSWORD_FILE);
  fs.writeFileSync(
    file,
    `StoreMAS first-run administrator\nuser: admin\npassword: ${password}\n` +
      'You must choose a new password at first login; this file is deleted then.\n',
    { mode: 0o600 },
  );
  fs.chmodSync(file, 0o600);
  return file;
}

export function existingInitialPasswordFile(dataDir: string): string | undefined {
  const file = path.join(dataDir, INITIAL_PASSWORD_FILE);
  return fs.existsSync(file) ? file : undefined;
}
