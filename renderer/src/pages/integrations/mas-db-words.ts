import { useI18n } from 'vue-i18n';
import { ElMessage } from 'element-plus';
import { ApiError } from '../../api/client';
import type { MasDbCodeStatusDto } from '../../api/mas-db';
import { useApiError } from '../../composables/useApiError';

/** The MAS database interface's codes in words: errors, refused-row reasons, encodings. Unknown codes fall back to the server's text. */
export function useMasDbWords() {
  const { t, te } = useI18n();
  const { describe } = useApiError();

  function errorTitle(code: string): string {
    return te(`masdb.errors.${code}`) ? t(`masdb.errors.${code}`) : code;
  }

  /** Headline and the server's message (what to do), for alerts and toasts. */
  function error(cause: unknown): string {
    if (cause instanceof ApiError && te(`masdb.errors.${cause.code}`)) return `${t(`masdb.errors.${cause.code}`)}：${cause.message}`;
    const text = describe(cause);
    return text.detail ? `${text.title}：${text.detail}` : text.title;
  }

  function problem(code: string): string {
    if (te(`masdb.problems.${code}`)) return t(`masdb.problems.${code}`);
    return te(`masdb.errors.${code}`) ? t(`masdb.errors.${code}`) : code;
  }

  /** How replies are written, and what the client was seen writing. */
  function encoding(code: Pick<MasDbCodeStatusDto, 'replyEncoding' | 'detectedEncoding'>): string {
    if (code.replyEncoding !== 'auto') return t(`masdb.encodings.${code.replyEncoding}`);
    const seen = code.detectedEncoding === 'gbk' ? 'gbk-latin1' : code.detectedEncoding;
    return seen && te(`masdb.encodings.${seen}`) ? t('masdb.encodings.autoSeen', { seen: t(`masdb.encodings.${seen}`) }) : t('masdb.encodings.autoDefault');
  }

  /** Copies a login field or the setup SQL, saying whether it worked (the clipboard needs a secure context). */
  async function copy(text: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
      ElMessage.success(t('masdb.copied'));
    } catch {
      ElMessage.warning(t('masdb.copyFailed'));
    }
  }

  return { error, errorTitle, problem, encoding, copy };
}
