import { useI18n } from 'vue-i18n';
import { ElMessage } from 'element-plus';
import { ApiError } from '../../api/client';
import type { AutomationDto, HolidayListDto, PointsExpiryDto } from '../../api/care';
import { useApiError } from '../../composables/useApiError';

type Translate = (key: string, values?: Record<string, unknown>) => string;

/** The festivals an automation can greet (the server's FESTIVAL_KEYS; the renderer imports no runtime code from main). */
export const FESTIVALS = [
  'new-year',
  'spring-festival-eve',
  'spring-festival',
  'lantern',
  'womens-day',
  'labour-day',
  'dragon-boat',
  'qixi',
  'mid-autumn',
  'national-day',
  'double-ninth',
] as const;

/** '2027-02-06' → '2月6日' (zh) or '2/6'. */
export function shortDate(date: string, locale: string): string {
  const month = Number(date.slice(5, 7));
  const day = Number(date.slice(8, 10));
  return locale.startsWith('zh') ? `${month}月${day}日` : `${month}/${day}`;
}

/** The store's points expiry rule in a few words (每年12月31日清零). */
export function expiryRuleWords(rule: PointsExpiryDto | null, t: Translate): string {
  if (!rule) return '…';
  const base = t(`care.pointsExpiry.words.${rule.rule}`, { month: rule.month, day: rule.day, months: rule.months });
  return rule.usePosDate && rule.posDates > 0 ? `${base}${t('care.pointsExpiry.words.pos')}` : base;
}

/** What the automation is about, in the UI language ('中秋节（9月15日）', 'Points ≥ 1000, once a quarter'). */
export function occasionWords(a: AutomationDto, t: Translate, locale: string, holidays: HolidayListDto['items'], expiry: PointsExpiryDto | null = null): string {
  const s = a.settings as Record<string, unknown> & { kind: string };
  switch (a.kind) {
    case 'birthday':
      return t('care.occasion.birthday');
    case 'holiday': {
      const festival = String(s['festival']);
      const date = holidays.find((h) => h.key === festival)?.date;
      const name = t(`care.festivals.${festival}`);
      return date ? t('care.occasion.holiday', { name, date: shortDate(date, locale) }) : name;
    }
    case 'date':
      return t('care.occasion.date', { name: s['name'], calendar: t(`care.calendars.${s['lunar'] ? 'lunar' : 'solar'}`), month: s['month'], day: s['day'] });
    case 'points':
      return s['mode'] === 'expiry'
        ? t('care.occasion.pointsExpiry', { min: s['minPoints'], rule: expiryRuleWords(expiry, t) })
        : t('care.occasion.pointsThreshold', { min: s['minPoints'], period: t(`care.periods.${String(s['period'])}`) });
    case 'invitation':
      return s['eventDate'] ? t('care.occasion.invitation', { name: s['eventName'], date: s['eventDate'] }) : t('care.occasion.invitationNoDate', { name: s['eventName'] });
    case 'welcome':
      return t('care.occasion.welcome');
    case 'winback':
      return t('care.occasion.winback', { days: s['days'], maxDays: s['maxDays'] });
  }
}

/** The area's codes worded here (care.errors.*), the server's message (which names the field) as the detail. */
export function useCareError() {
  const { t, te } = useI18n();
  const { describe } = useApiError();
  function text(error: unknown): string {
    if (error instanceof ApiError && te(`care.errors.${error.code}`)) return `${t(`care.errors.${error.code}`)}：${error.message}`;
    const { title, detail } = describe(error);
    return detail ? `${title}：${detail}` : title;
  }
  function toast(error: unknown): void {
    ElMessage({ type: 'error', message: text(error), duration: 6000, showClose: true });
  }
  return { text, toast };
}
