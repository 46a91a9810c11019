import { ref } from 'vue';
import { createI18n } from 'vue-i18n';
import zhCn from 'element-plus/es/locale/lang/zh-cn.mjs';
import en from 'element-plus/es/locale/lang/en.mjs';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
const STORAGE_KEY = 'storemas.locale';

type Messages = Record<string, unknown>;
interface AreaMessages {
  'zh-CN': Messages;
  en: Messages;
}

/**
 * Every area's strings live in messages/<area>.ts and land under the key
 * <area> (t('modems.title')). An area's `nav` string is also merged into the
 * shared `nav` namespace, so 'modems.nav' and 'nav.modems' both name its menu label.
 */
const files = import.meta.glob<{ default: AreaMessages }>('./messages/*.ts', { eager: true });

function buildMessages(): Record<Locale, Messages> {
  const result: Record<Locale, Messages> = { 'zh-CN': { nav: {} }, en: { nav: {} } };
  for (const [file, module] of Object.entries(files)) {
    const area = file.replace(/^.*\/(.+)\.ts$/, '$1');
    for (const locale of LOCALES) {
      const messages = module.default[locale];
      result[locale][area] = messages;
      if (typeof messages.nav === 'string') (result[locale].nav as Messages)[area] = messages.nav;
    }
  }
  return result;
}

function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

function initialLocale(): Locale {
  const stored = localStorage.getItem(STORAGE_KEY);
  return isLocale(stored) ? stored : 'zh-CN';
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  // The files are plain nested string objects; vue-i18n's own message type is too deep to infer here.
  messages: buildMessages() as Record<Locale, Record<string, string>>,
  missingWarn: import.meta.env.DEV,
  fallbackWarn: false,
});

const ELEMENT_LOCALES = { 'zh-CN': zhCn, en };

/** The current language, for components that need it (Element Plus locale, date formats). */
export const locale = ref<Locale>(initialLocale());
export const elementLocale = () => ELEMENT_LOCALES[locale.value];

/** Switches the UI language; `remember` keeps the choice for this browser (the user picked it). */
export function setLocale(next: Locale, remember = true): void {
  locale.value = next;
  i18n.global.locale.value = next;
  if (remember) localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
}

/** The store's default language applies only where nobody chose one in this browser. */
export function applyStoreDefaultLocale(storeDefault: Locale): void {
  if (!isLocale(localStorage.getItem(STORAGE_KEY)) && storeDefault !== locale.value) setLocale(storeDefault, false);
}

document.documentElement.lang = locale.value;
