import type { Static } from 'typebox';
import type { LanCertificateSchema, SettingsSchema } from '../../../main/api/routes/settings';
import { http } from './client';

export type StoreSettings = Static<typeof SettingsSchema>;
export type LanCertificate = Static<typeof LanCertificateSchema>;

export interface SettingsView {
  values: StoreSettings;
  /** Where the service listens now; a LAN-access change applies at the next start. */
  listening: { host: string; port: number; restartNeeded: boolean; lanUrls: string[] };
}

export const settingsApi = {
  get: () => http.get<SettingsView>('/settings'),
  update: (changes: Partial<StoreSettings>) => http.put<SettingsView>('/settings', changes),
  lanCertificate: () => http.get<{ certificate: LanCertificate | null }>('/settings/lan-certificate'),
  uploadLanCertificate: (certificate: string, privateKey: string) => http.put<{ certificate: LanCertificate }>('/settings/lan-certificate', { certificate, privateKey }),
  useGeneratedLanCertificate: () => http.delete<{ certificate: LanCertificate }>('/settings/lan-certificate'),
};
