import type {
  ApproveDto,
  AudienceDto,
  ManualPromotionDto,
  PromotionDto,
  PushResultDto,
  RecomputeStatusDto,
  RecomputeSummaryDto,
  RuleBodyDto,
  RuleDto,
  RuleListDto,
  SeriesDto,
  StrategyCountsDto,
  StrategyDto,
  StrategyPageDto,
} from '../../../main/api/schemas/strategies';
import { http } from './client';

export type { ApproveDto, AudienceDto, ManualPromotionDto, PromotionDto, PushResultDto, RecomputeStatusDto, RecomputeSummaryDto, RuleBodyDto, RuleDto, RuleListDto, SeriesDto, StrategyCountsDto, StrategyDto, StrategyPageDto };
export type StrategyState = StrategyDto['state'];
export type StrategyKind = StrategyDto['kind'];

export const STRATEGY_KINDS: readonly StrategyKind[] = ['promotion', 'restock', 'price-rise', 'limit-per-customer'];

export interface StrategyListQuery {
  states: StrategyState[];
  kinds: StrategyKind[];
  storeCode: string;
  q: string;
  page: number;
  pageSize: number;
}

/** Repeated keys (states=a&states=b): the server reads them as arrays. */
function listPath(query: StrategyListQuery): string {
  const params = new URLSearchParams();
  for (const state of query.states) params.append('states', state);
  for (const kind of query.kinds) params.append('kinds', kind);
  if (query.storeCode) params.append('storeCodes', query.storeCode);
  if (query.q.trim()) params.set('q', query.q.trim());
  params.set('page', String(query.page));
  params.set('pageSize', String(query.pageSize));
  return `/strategies?${params.toString()}`;
}

export const strategiesApi = {
  list: (query: StrategyListQuery) => http.get<StrategyPageDto>(listPath(query)),
  counts: () => http.get<StrategyCountsDto>('/strategies/counts'),
  activePromotions: () => http.get<{ items: PromotionDto[] }>('/strategies/active-promotions'),
  recomputeStatus: () => http.get<RecomputeStatusDto>('/strategies/recompute'),
  recompute: () => http.post<{ runId: number }>('/strategies/recompute', {}),
  cancelRecompute: () => http.post<{ ok: true }>('/strategies/recompute/cancel', {}),
  series: (id: number) => http.get<SeriesDto>(`/strategies/${id}/series`),
  approve: (id: number, body: ApproveDto) => http.post<StrategyDto>(`/strategies/${id}/approve`, body),
  reject: (id: number, reason: string) => http.post<StrategyDto>(`/strategies/${id}/reject`, { reason }),
  reschedule: (id: number, body: ApproveDto) => http.patch<StrategyDto>(`/strategies/${id}`, body),
  end: (id: number) => http.post<StrategyDto>(`/strategies/${id}/end`, {}),
  createPromotion: (body: ManualPromotionDto) => http.post<StrategyDto>('/strategies/promotions', body),
  audience: (id: number, text: string) => http.get<AudienceDto>(`/strategies/${id}/audience`, { query: { text } }),
  push: (id: number, text: string) => http.post<PushResultDto>(`/strategies/${id}/push`, { text }),
  rules: () => http.get<RuleListDto>('/strategies/rules'),
  createRule: (rule: RuleBodyDto) => http.post<RuleDto>('/strategies/rules', rule),
  updateRule: (id: number, rule: RuleBodyDto) => http.put<RuleDto>(`/strategies/rules/${id}`, rule),
  deleteRule: (id: number) => http.delete<{ ok: true }>(`/strategies/rules/${id}`),
};
