import type {
  CreateTemplateDto,
  PreviewDto,
  PreviewResultDto,
  SampleMemberDto,
  TemplateDto,
  TemplatePageDto,
  UpdateTemplateDto,
} from '../../../main/api/schemas/templates';
import { http } from './client';

export type { CreateTemplateDto, PreviewDto, PreviewResultDto, SampleMemberDto, TemplateDto, TemplatePageDto, UpdateTemplateDto };
export type TemplateCategory = TemplateDto['category'];
export type MessageCategory = TemplateDto['messageCategory'];

export const TEMPLATE_CATEGORIES: readonly TemplateCategory[] = [
  'holiday',
  'birthday',
  'member-offer',
  'non-member-offer',
  'e-coupon',
  'points',
  'survey',
  'notice',
  'auto-reply',
];
export const MESSAGE_CATEGORIES: readonly MessageCategory[] = ['marketing', 'care', 'transactional', 'reply'];

export interface TemplateQuery {
  q?: string;
  category?: TemplateCategory | '';
  archived?: boolean;
  page: number;
  pageSize: number;
}

export const templatesApi = {
  search: (query: TemplateQuery) => http.get<TemplatePageDto>('/templates', { query: { ...query } }),
  create: (template: CreateTemplateDto) => http.post<TemplateDto>('/templates', template),
  update: (id: number, changes: UpdateTemplateDto) => http.patch<TemplateDto>(`/templates/${id}`, changes),
  preview: (request: PreviewDto, signal?: AbortSignal) => http.post<PreviewResultDto>('/templates/preview', request, { signal }),
};
