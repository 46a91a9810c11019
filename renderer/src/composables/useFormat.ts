import { useI18n } from 'vue-i18n';

/** Dates, sizes and durations in the current UI language. */
export function useFormat() {
  const { t, locale } = useI18n();

  function dateTime(ms: number | null | undefined): string {
    if (ms === null || ms === undefined) return '—';
    return new Date(ms).toLocaleString(locale.value, {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    });
  }

  /** Month, day, hour and minute: for lists where the year is obvious. */
  function shortDateTime(ms: number): string {
    return new Date(ms).toLocaleString(locale.value, { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
  }

  function bytes(value: number): string {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let size = value;
    let unit = 0;
    while (size >= 1024 && unit < units.length - 1) {
      size /= 1024;
      unit += 1;
    }
    return `${size >= 100 || unit === 0 ? Math.round(size) : size.toFixed(1)} ${units[unit]}`;
  }

  function duration(totalSeconds: number): string {
    const days = Math.floor(totalSeconds / 86_400);
    const hours = Math.floor((totalSeconds % 86_400) / 3600);
    const minutes = Math.floor((totalSeconds % 3600) / 60);
    if (days > 0) return t('format.daysHours', { days, hours });
    if (hours > 0) return t('format.hoursMinutes', { hours, minutes });
    return t('format.minutes', { minutes });
  }

  return { dateTime, shortDateTime, bytes, duration };
}
