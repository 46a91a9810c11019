import type { PolicyResponseDto, UpdatePolicyDto } from '../../../main/api/schemas/policy';
import { http } from './client';

export type { PolicyResponseDto, UpdatePolicyDto };
export type PolicyValues = PolicyResponseDto['policy'];

export const policyApi = {
  get: () => http.get<PolicyResponseDto>('/policy'),
  update: (changes: UpdatePolicyDto) => http.put<PolicyResponseDto>('/policy', changes),
};
