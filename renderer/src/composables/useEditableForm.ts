import { onMounted, ref } from 'vue';
import { ElMessage } from 'element-plus';
import { useApiError, type ErrorText } from './useApiError';
import { useEvents } from './useEvents';

/**
 * The load / edit / save cycle of a settings-like page: the form holds a copy
 * (`fill` copies the saved values in), a failed load or save is shown, and a
 * change saved elsewhere (another admin) reloads the form unless it has
 * unsaved edits.
 */
export function useEditableForm(options: { load: () => Promise<void>; fill: () => void; dirty: () => boolean }) {
  const { describe } = useApiError();
  const events = useEvents();
  const error = ref<ErrorText | null>(null);
  const loadError = ref<string | null>(null);

  async function load(): Promise<void> {
    loadError.value = null;
    try {
      await options.load();
      options.fill();
    } catch (cause) {
      const text = describe(cause);
      loadError.value = text.detail || text.title;
    }
  }
  onMounted(load);
  events.on('settings.changed', () => {
    if (!options.dirty()) void load();
  });

  /** Runs the save, refills the form from what was saved and says so; a refusal is shown on the page. */
  async function save(action: () => Promise<unknown>, savedMessage: string): Promise<void> {
    error.value = null;
    try {
      await action();
      options.fill();
      ElMessage.success(savedMessage);
    } catch (cause) {
      error.value = describe(cause);
    }
  }

  return { error, loadError, load, save };
}
