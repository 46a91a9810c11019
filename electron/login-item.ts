/**
 * "Start at login". Windows and macOS use Electron's login items (in main.ts);
 * Linux has none in Electron, so the app writes an XDG autostart entry
 * (~/.config/autostart/storemas.desktop), which GNOME, KDE, Xfce and the like
 * read at login. Started at login, the app stays in the tray (HIDDEN_FLAG).
 */
import fs from 'node:fs';
import path from 'node:path';

export const HIDDEN_FLAG = '--hidden';

export interface LoginItem {
  isEnabled(): boolean;
  setEnabled(enabled: boolean): void;
}

/** One Exec argument as the Desktop Entry spec wants it: quoted when needed, % doubled. */
export function quoteExecArgument(argument: string): string {
  const escaped = argument.replaceAll('%', '%%');
  if (!/[\s"'\\><~|&;$*?#()`]/.test(escaped)) return escaped;
  return `"${escaped.replace(/(["`$\\])/g, '\\$1')}"`;
}

export function autostartDesktopEntry(command: string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=StoreMAS',
    'Name[zh_CN]=StoreMAS 门店短信一体机',
    'Comment=On-premise SMS appliance for supermarkets',
    `Exec=${command.map(quoteExecArgument).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** `configHome`: $XDG_CONFIG_HOME or ~/.config; `command`: the executable and its arguments. */
export function xdgAutostart(configHome: string, command: string[]): LoginItem {
  const file = path.join(configHome, 'autostart', 'storemas.desktop');
  return {
    isEnabled: () => fs.existsSync(file),
    setEnabled(enabled) {
      if (!enabled) {
        fs.rmSync(file, { force: true });
        return;
      }
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, autostartDesktopEntry(command));
    },
  };
}
