import type {
  CrossTabDto,
  InviteBodyDto,
  InviteResultDto,
  QuestionStatisticsDto,
  RespondentsDto,
  SurveyBodyDto,
  SurveyDto,
  SurveyPreviewDto,
  SurveyStatisticsDto,
  SurveySummaryDto,
  TextAnswersDto,
} from '../../../main/api/schemas/surveys';
import type { CrossTabDimension } from '../../../main/surveys/statistics';
import { http } from './client';

export type { CrossTabDto, InviteBodyDto, InviteResultDto, QuestionStatisticsDto, RespondentsDto, SurveyBodyDto, SurveyDto, SurveyPreviewDto, SurveyStatisticsDto, SurveySummaryDto, TextAnswersDto, CrossTabDimension };
export type SurveyState = SurveyDto['state'];
export type QuestionKind = SurveyDto['questions'][number]['kind'];

export const surveysApi = {
  list: (query: { state?: SurveyState | ''; q?: string; page: number; pageSize: number }) => http.get<{ items: SurveySummaryDto[]; total: number }>('/surveys', { query }),
  get: (id: number) => http.get<SurveyDto>(`/surveys/${id}`),
  create: (body: SurveyBodyDto) => http.post<SurveyDto>('/surveys', body),
  update: (id: number, body: SurveyBodyDto) => http.put<SurveyDto>(`/surveys/${id}`, body),
  remove: (id: number) => http.delete<{ ok: true }>(`/surveys/${id}`),
  duplicate: (id: number) => http.post<SurveyDto>(`/surveys/${id}/duplicate`),
  close: (id: number) => http.post<SurveyDto>(`/surveys/${id}/close`),
  preview: (body: SurveyBodyDto) => http.post<SurveyPreviewDto>('/surveys/preview', body),
  invite: (id: number, body: InviteBodyDto) => http.post<InviteResultDto>(`/surveys/${id}/invite`, body),
  statistics: (id: number, storeCode?: string) => http.get<SurveyStatisticsDto>(`/surveys/${id}/statistics`, { query: { storeCode } }),
  crossTab: (id: number, dimension: CrossTabDimension) => http.get<CrossTabDto>(`/surveys/${id}/cross-tab`, { query: { dimension } }),
  textAnswers: (id: number, query: { q?: string; questionId?: number; page: number; pageSize: number }) => http.get<TextAnswersDto>(`/surveys/${id}/text-answers`, { query }),
  /** A plain link: the browser downloads it with the session cookie. */
  exportUrl: (id: number, language: string) => `/api/surveys/${id}/export?language=${encodeURIComponent(language)}`,
};
