import type { CampaignDto, CampaignInputDto } from '../../api/campaigns';

type Translate = (key: string, values?: Record<string, unknown>) => string;

/** The audience in a few words: 分群：高价值会员, 标签：老顾客 … */
export function audienceWords(t: Translate, campaign: CampaignDto): string {
  const { audience } = campaign;
  if (audience.kind === 'segment') return t('campaigns.audience.segment', { name: audience.segmentName ?? `#${audience.segmentId ?? '?'}` });
  if (audience.kind === 'tag') return t('campaigns.audience.tag', { tag: audience.tag ?? '' });
  if (audience.kind === 'list') return t('campaigns.audience.list', { count: audience.listSize });
  return t('campaigns.audience.filter');
}

/** When it sends: now, at a time, or the repeat rule. */
export function scheduleWords(t: Translate, campaign: CampaignDto, formatTime: (ms: number) => string): string {
  const { schedule } = campaign;
  if (schedule.kind === 'at' && schedule.at !== null) return t('campaigns.schedule.at', { time: formatTime(schedule.at) });
  if (schedule.kind === 'recurring') return t('campaigns.schedule.recurring', { rule: schedule.rule ?? '' });
  return t('campaigns.schedule.now');
}

export const STATE_TAG: Record<CampaignDto['state'], 'info' | 'warning' | 'success' | 'primary' | 'danger'> = {
  draft: 'info',
  pending_approval: 'warning',
  scheduled: 'primary',
  running: 'success',
  paused: 'warning',
  completed: 'info',
  cancelled: 'danger',
};

/** What the editor starts from when it opens a saved campaign. */
export function inputOf(campaign: CampaignDto): CampaignInputDto {
  const audience: CampaignInputDto['audience'] = { kind: campaign.audience.kind };
  if (campaign.audience.kind === 'segment') audience.segmentId = campaign.audience.segmentId;
  if (campaign.audience.kind === 'filter') audience.filter = campaign.audience.filter;
  if (campaign.audience.kind === 'tag') audience.tag = campaign.audience.tag;
  return {
    name: campaign.name,
    audience,
    templateId: campaign.templateId,
    text: campaign.text,
    category: campaign.category,
    modemId: campaign.modemId,
    schedule: { kind: campaign.schedule.kind, at: campaign.schedule.at, rule: campaign.schedule.rule, until: campaign.schedule.until },
    window: campaign.window,
    holdoutPercent: campaign.holdoutPercent,
    effectDays: campaign.effectDays,
  };
}

/** Percent with two decimals, or a dash. */
export function percent(value: number | null): string {
  return value === null ? '—' : `${(value * 100).toFixed(2)}%`;
}
