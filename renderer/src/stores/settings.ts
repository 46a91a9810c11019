import { defineStore } from 'pinia';
import { ref } from 'vue';
import { settingsApi, type SettingsView, type StoreSettings } from '../api/settings';

export const useSettingsStore = defineStore('settings', () => {
  const view = ref<SettingsView | null>(null);
  const loading = ref(false);
  const saving = ref(false);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      view.value = await settingsApi.get();
    } finally {
      loading.value = false;
    }
  }

  async function save(changes: Partial<StoreSettings>): Promise<void> {
    saving.value = true;
    try {
      view.value = await settingsApi.update(changes);
    } finally {
      saving.value = false;
    }
  }

  return { view, loading, saving, load, save };
});
