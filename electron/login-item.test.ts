import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../tests/support/appliance.js';
import { autostartDesktopEntry, quoteExecArgument, xdgAutostart } from './login-item.js';

const temps: Array<{ remove(): void }> = [];
afterEach(() => temps.splice(0).forEach((t) => t.remove()));

describe('start at login on Linux (XDG autostart)', () => {
  it('quotes Exec arguments as the Desktop Entry spec asks', () => {
    expect(quoteExecArgument('/opt/StoreMAS/storemas')).toBe('/opt/StoreMAS/storemas');
    expect(quoteExecArgument('/home/店长/Apps/StoreMAS 1.0.AppImage')).toBe('"/home/店长/Apps/StoreMAS 1.0.AppImage"');
    expect(quoteExecArgument('/tmp/a"b$c`d\\e')).toBe('"/tmp/a\\"b\\$c\\`d\\\\e"');
    expect(quoteExecArgument('100%')).toBe('100%%');
  });

  it('writes and removes ~/.config/autostart/storemas.desktop, starting hidden in the tray', () => {
    const temp = tempDir('storemas-autostart-');
    temps.push(temp);
    const item = xdgAutostart(temp.dir, ['/home/店长/StoreMAS 1.0.AppImage', '--hidden']);
    expect(item.isEnabled()).toBe(false);
    item.setEnabled(true);
    expect(item.isEnabled()).toBe(true);
    const entry = fs.readFileSync(path.join(temp.dir, 'autostart', 'storemas.desktop'), 'utf8');
    expect(entry).toBe(autostartDesktopEntry(['/home/店长/StoreMAS 1.0.AppImage', '--hidden']));
    expect(entry).toContain('Exec="/home/店长/StoreMAS 1.0.AppImage" --hidden\n');
    expect(entry.startsWith('[Desktop Entry]\nType=Application\n')).toBe(true);
    item.setEnabled(false);
    expect(item.isEnabled()).toBe(false);
    item.setEnabled(false); // already off: no error
  });
});
