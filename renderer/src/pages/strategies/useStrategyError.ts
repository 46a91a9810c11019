import { useI18n } from 'vue-i18n';
import { ElMessage } from 'element-plus';
import { ApiError } from '../../api/client';
import { useApiError } from '../../composables/useApiError';

/** The engine's codes worded by this area (strategies.errors.*), the server's message as the detail; others as everywhere. */
export function useStrategyError() {
  const { t, te } = useI18n();
  const { describe } = useApiError();
  function text(error: unknown): string {
    if (error instanceof ApiError && te(`strategies.errors.${error.code}`)) return `${t(`strategies.errors.${error.code}`)}：${error.message}`;
    const { title, detail } = describe(error);
    return detail ? `${title}：${detail}` : title;
  }
  function toast(error: unknown): void {
    ElMessage({ type: 'error', message: text(error), duration: 6000, showClose: true });
  }
  return { text, toast };
}
