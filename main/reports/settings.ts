import { AppError } from '../errors.js';

/**
 * What the cost report needs: the price of one SMS part, in 厘 (1/1000 yuan)
 * so ¥0.045 is exact; a SIM on another plan can have its own price.
 */
export interface ReportSettings {
  pricePerPartLi: number;
  modemPrices: Array<{ modemId: string; pricePerPartLi: number }>;
}

/** ¥0.10 per part: what a Chinese SIM plan charges for an SMS without a bundle. */
export const REPORT_SETTING_DEFAULTS: ReportSettings = { pricePerPartLi: 100, modemPrices: [] };

/** ¥10 per part is far past any tariff: a typo, not a price. */
export const MAX_PRICE_LI = 10_000;
export const MAX_MODEM_PRICES = 64;

export class ReportSettingsError extends AppError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, 400, details);
  }
}

function price(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_PRICE_LI) {
    throw new ReportSettingsError('REPORT_PRICE_INVALID', `${field} must be a price from ¥0.000 to ¥10.000 per SMS part, in 厘 (1/1000 yuan).`, { field });
  }
  return value;
}

export function validateReportSettings(value: unknown): ReportSettings {
  if (typeof value !== 'object' || value === null) throw new ReportSettingsError('REPORT_PRICE_INVALID', 'The report settings must be an object.', { field: 'reports' });
  const input = value as Partial<ReportSettings>;
  const modemPrices = Array.isArray(input.modemPrices) ? input.modemPrices : [];
  if (modemPrices.length > MAX_MODEM_PRICES) {
    throw new ReportSettingsError('REPORT_PRICE_TOO_MANY', `At most ${MAX_MODEM_PRICES} modems can have their own price; remove some.`, { max: MAX_MODEM_PRICES });
  }
  const seen = new Set<string>();
  return {
    pricePerPartLi: price(input.pricePerPartLi ?? REPORT_SETTING_DEFAULTS.pricePerPartLi, 'pricePerPartLi'),
    modemPrices: modemPrices.map((entry, i) => {
      const modemId = typeof entry?.modemId === 'string' ? entry.modemId.trim() : '';
      if (!modemId || modemId.length > 64) throw new ReportSettingsError('REPORT_PRICE_INVALID', `modemPrices[${i}] names no modem; choose one.`, { field: `modemPrices[${i}].modemId` });
      if (seen.has(modemId)) throw new ReportSettingsError('REPORT_PRICE_DUPLICATE_MODEM', `Modem ${modemId} has two prices; keep one.`, { modemId });
      seen.add(modemId);
      return { modemId, pricePerPartLi: price(entry.pricePerPartLi, `modemPrices[${i}].pricePerPartLi`) };
    }),
  };
}

/** The price of a part sent through this modem. */
export function priceOf(settings: ReportSettings, modemId: string): number {
  return settings.modemPrices.find((p) => p.modemId === modemId)?.pricePerPartLi ?? settings.pricePerPartLi;
}
