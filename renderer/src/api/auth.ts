import type { SessionDto } from '../../../main/api/schemas/auth';
import { http } from './client';

export type { SessionDto, UserDto } from '../../../main/api/schemas/auth';

export const authApi = {
  me: () => http.get<SessionDto>('/auth/me', { expectUnauthorized: true }),
  login: (username: string, password: string) =>
    http.post<SessionDto>('/auth/login', { username, password }, { expectUnauthorized: true }),
  logout: () => http.post<{ ok: true }>('/auth/logout'),
  changePassword: (currentPassword: string, newPassword: string) =>
    http.post<SessionDto>('/auth/change-password', { currentPassword, newPassword }),
};
