import { useI18n } from 'vue-i18n';

/**
 * Server codes in the UI language: the message under `key` when this UI has one, otherwise the
 * server's own wording (or the raw code). Not `t(key, fallback)`: vue-i18n would compile the
 * fallback as a message, and server texts may hold braces ("{姓名}") or "|".
 */
export function useTextOr() {
  const { t, te } = useI18n();
  return (key: string, fallback: string, params: Record<string, unknown> = {}): string => (te(key) ? t(key, params) : fallback);
}
