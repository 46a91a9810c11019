import { useI18n } from 'vue-i18n';
import { ElMessage } from 'element-plus';
import { ApiError } from '../api/client';

export interface ErrorText {
  code: string;
  /** A short headline in the UI language, from the error code. */
  title: string;
  /** The server's own message: what went wrong and what to do. */
  detail: string;
}

/** Turns any thrown value into text for the user; unknown codes fall back to the server's message. */
export function useApiError() {
  const { t, te } = useI18n();

  function describe(error: unknown): ErrorText {
    if (error instanceof ApiError) {
      const key = `errors.${error.code}`;
      const title = te(key) ? t(key) : error.message;
      // A code with a localised detail line (what to do; values such as the minutes an account stays
      // locked come from the error's details) shows no English from the server.
      const detailKey = `errors.details.${error.code}`;
      if (te(detailKey)) return { code: error.code, title, detail: t(detailKey, error.details ?? {}) };
      return { code: error.code, title, detail: title === error.message ? '' : error.message };
    }
    const message = error instanceof Error ? error.message : String(error);
    return { code: 'UNKNOWN', title: message, detail: '' };
  }

  /** Shows the error as a toast: headline, then the server's message. */
  function toast(error: unknown): void {
    const { title, detail } = describe(error);
    ElMessage({ type: 'error', message: detail ? `${title}：${detail}` : title, duration: 6000, showClose: true });
  }

  return { describe, toast };
}
