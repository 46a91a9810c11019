import type { Static } from 'typebox';
import type { CreateUserBody, UpdateUserBody, UserDto } from '../../../main/api/schemas/auth';
import { http } from './client';

export type { UserDto } from '../../../main/api/schemas/auth';
export type NewUser = Static<typeof CreateUserBody>;
export type UserChanges = Static<typeof UpdateUserBody>;

export const usersApi = {
  list: () => http.get<{ items: UserDto[] }>('/users'),
  create: (user: NewUser) => http.post<UserDto>('/users', user),
  update: (id: number, changes: UserChanges) => http.patch<UserDto>(`/users/${id}`, changes),
  /** The temporary password is in the answer once and nowhere else. */
  resetPassword: (id: number) => http.post<{ password: string }>(`/users/${id}/reset-password`),
};
