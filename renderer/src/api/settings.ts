import type { Static } from 'typebox';
import type { SettingsSchema } from '../../../main/api/routes/settings';
import { http } from './client';

export type StoreSettings = Static<typeof SettingsSchema>;

export interface SettingsView {
  values: StoreSettings;
  /** Where the service listens now; a LAN-access change applies at the next start. */
  listening: { host: string; port: number; restartNeeded: boolean };
}

export const settingsApi = {
  get: () => http.get<SettingsView>('/settings'),
  update: (changes: Partial<StoreSettings>) => http.put<SettingsView>('/settings', changes),
};
