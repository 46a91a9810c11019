import { onMounted, ref, watch } from 'vue';
import { ElMessage } from 'element-plus';
import { useApiError, type ErrorText } from './useApiError';
import { useEvents } from './useEvents';

/**
 * The load / edit / save cycle of a settings-like page: the form holds a copy
 * (`fill` copies the saved values in), a failed load or save is shown, and a
 * change saved elsewhere (another admin) reloads the form unless it has
 * unsaved edits. `filled` turns true once this page's own load has filled
 * the form: show the form from then on, so nobody types into a form a load
 * still running would overwrite. A load that ends after the person began
 * typing keeps what was typed (`form`: the reactive object fill writes).
 */
export function useEditableForm(options: { load: () => Promise<void>; fill: () => void; dirty: () => boolean; form?: object }) {
  const { describe } = useApiError();
  const events = useEvents();
  const error = ref<ErrorText | null>(null);
  const loadError = ref<string | null>(null);
  const filled = ref(false);
  /** Edits made by the person (not by fill), counted as they happen. */
  let edits = 0;
  let filling = false;
  if (options.form) {
    watch(
      options.form,
      () => {
        if (!filling) edits += 1;
      },
      { deep: true, flush: 'sync' },
    );
  }

  function fill(): void {
    filling = true;
    try {
      options.fill();
    } finally {
      filling = false;
    }
    filled.value = true;
  }

  async function load(): Promise<void> {
    loadError.value = null;
    const editsBefore = edits;
    try {
      await options.load();
      if (filled.value && edits !== editsBefore) return;
      fill();
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
      fill();
      ElMessage.success(savedMessage);
    } catch (cause) {
      error.value = describe(cause);
    }
  }

  return { error, loadError, load, save, fill, filled };
}
