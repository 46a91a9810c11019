import { onMounted, onUnmounted, ref } from 'vue';
import { useApiError } from '../../composables/useApiError';

/**
 * Loads a tab's data when it mounts and keeps it live: `reloadSoon` (called from event
 * handlers) reloads at most once per `delayMs` however many events arrive, like the modems
 * page. A failed load shows as `loadError` in the UI language.
 */
export function useLiveLoad(load: () => Promise<void>, delayMs = 700) {
  const { describe } = useApiError();
  const loadError = ref<string | null>(null);
  async function reload(): Promise<void> {
    loadError.value = null;
    try {
      await load();
    } catch (cause) {
      const text = describe(cause);
      loadError.value = text.detail || text.title;
    }
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  function reloadSoon(): void {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void reload();
    }, delayMs);
  }
  onMounted(reload);
  onUnmounted(() => clearTimeout(timer));
  return { loadError, reload, reloadSoon };
}
