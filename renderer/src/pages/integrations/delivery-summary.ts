import type { DeliveryDto } from '../../api/integrations';

type Translate = (key: string, params?: Record<string, unknown>) => string;

/** One line saying what a delivery carries: a report's number and state, a text's sender and words, a webhook event. */
export function deliverySummary(delivery: Pick<DeliveryDto, 'kind' | 'event' | 'body'>, t: Translate): string {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(delivery.body) as Record<string, unknown>;
  } catch {
    return delivery.event;
  }
  const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');
  if (delivery.kind === 'cloud-mas.report') return `${text(body.mobile)} · ${text(body.reportStatus)}${body.errorCode && body.errorCode !== body.reportStatus ? ` (${text(body.errorCode)})` : ''}`;
  if (delivery.kind === 'cloud-mas.inbound') return `${text(body.mobile)}：${text(body.smsContent)}`;
  const type = text(body.type) || delivery.event;
  // Keys cannot hold dots (vue-i18n reads them as nesting): message.status → message_status.
  const label = t(`integrations.webhooks.eventNames.${type.replace(/\./g, '_')}`);
  const data = (body.data ?? {}) as Record<string, unknown>;
  const detail = text(data.recipient ?? data.sender ?? data.mobile);
  const state = text(data.status ?? data.change);
  return [label, detail, state].filter(Boolean).join(' · ');
}
