import { useI18n } from 'vue-i18n';
import { ElMessage } from 'element-plus';
import { useApiError, type ErrorText } from '../../composables/useApiError';

/** Server codes of the 短信服务 area (keywords, templates, staff) in the UI language, the server's message as the detail. */
export function useServiceErrors() {
  const { t, te } = useI18n();
  const { describe } = useApiError();

  function explain(cause: unknown): ErrorText {
    const text = describe(cause);
    const key = `smsServices.errors.${text.code}`;
    return te(key) ? { ...text, title: t(key), detail: text.detail || text.title } : text;
  }

  function toast(cause: unknown): void {
    const { title, detail } = explain(cause);
    ElMessage({ type: 'error', message: detail ? `${title}：${detail}` : title, duration: 6000, showClose: true });
  }

  return { explain, toast };
}
