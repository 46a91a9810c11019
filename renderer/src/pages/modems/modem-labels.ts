import { useI18n } from 'vue-i18n';
import type { ModemDto, ModemState } from '../../api/modems';
import { useApiError } from '../../composables/useApiError';

export type TagType = 'success' | 'warning' | 'danger' | 'info' | 'primary';

const STATE_TAG: Record<ModemState, TagType> = {
  ready: 'success',
  initialising: 'primary',
  connecting: 'primary',
  recovering: 'warning',
  disconnected: 'danger',
  'out-of-service': 'danger',
  refused: 'danger',
  stopped: 'info',
};

/** Labels and colours shared by the cards, the drawer and the dashboard tile. */
export function useModemLabels() {
  const { t, te } = useI18n();
  const { describe } = useApiError();

  function stateLabel(modem: ModemDto): string {
    return modem.status ? t(`modems.states.${modem.status.state}`) : t('modems.disabled');
  }
  function stateTag(modem: ModemDto): TagType {
    return modem.status ? STATE_TAG[modem.status.state] : 'info';
  }
  function registrationLabel(registration: string | null): string {
    if (!registration) return '—';
    const key = `modems.registration.${registration}`;
    return te(key) ? t(key) : registration;
  }
  /** An error for a person: the modem area's own headline when it has one, then the server's explanation. */
  function errorText(cause: unknown): string {
    const text = describe(cause);
    const key = `modems.errors.${text.code}`;
    if (te(key)) return `${t(key)}：${text.detail || text.title}`;
    return text.detail ? `${text.title}：${text.detail}` : text.title;
  }
  return { stateLabel, stateTag, registrationLabel, errorText };
}
