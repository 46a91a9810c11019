import { defineStore } from 'pinia';
import { ref } from 'vue';
import { settingsApi, type LanCertificate, type SettingsView, type StoreSettings } from '../api/settings';

export const useSettingsStore = defineStore('settings', () => {
  const view = ref<SettingsView | null>(null);
  const loading = ref(false);
  const saving = ref(false);
  /** The HTTPS certificate other machines see (null until LAN access is first switched on). */
  const certificate = ref<LanCertificate | null>(null);
  const certificateBusy = ref(false);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      view.value = await settingsApi.get();
      certificate.value = (await settingsApi.lanCertificate()).certificate;
    } finally {
      loading.value = false;
    }
  }

  async function changeCertificate(action: () => Promise<{ certificate: LanCertificate }>): Promise<void> {
    certificateBusy.value = true;
    try {
      certificate.value = (await action()).certificate;
    } finally {
      certificateBusy.value = false;
    }
  }

  /** Serves an uploaded PEM certificate and key from now on (checked by the server first). */
  const uploadCertificate = (cert: string, key: string) => changeCertificate(() => settingsApi.uploadLanCertificate(cert, key));
  /** Back to the certificate StoreMAS generated. */
  const useGeneratedCertificate = () => changeCertificate(() => settingsApi.useGeneratedLanCertificate());

  async function save(changes: Partial<StoreSettings>): Promise<void> {
    saving.value = true;
    try {
      view.value = await settingsApi.update(changes);
      // Switching LAN access on generates the certificate: show its fingerprint right away.
      if (changes.lanAccess) certificate.value = (await settingsApi.lanCertificate()).certificate;
    } finally {
      saving.value = false;
    }
  }

  return { view, loading, saving, certificate, certificateBusy, load, save, uploadCertificate, useGeneratedCertificate };
});
