import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { Permission } from '../../../main/auth/permissions';
import { authApi, type SessionDto } from '../api/auth';
import { ApiError } from '../api/client';

/** Why the user was sent back to the sign-in page; the page shows it once. */
export type SignOutNotice = 'expired' | 'ended' | null;

export const useSessionStore = defineStore('session', () => {
  const session = ref<SessionDto | null>(null);
  const loaded = ref(false);
  const loading = ref(false);
  const notice = ref<SignOutNotice>(null);

  const user = computed(() => session.value?.user ?? null);
  const permissions = computed(() => new Set<Permission>(session.value?.permissions ?? []));
  const signedIn = computed(() => session.value !== null);
  const mustChangePassword = computed(() => session.value?.user.mustChangePassword === true);
  const csrfToken = computed(() => session.value?.csrfToken);
  const store = computed(() => session.value?.store ?? null);

  function can(permission: Permission | undefined): boolean {
    return permission === undefined || permissions.value.has(permission);
  }

  /** Asks the server who is signed in (the cookie survives a reload). */
  async function me(): Promise<void> {
    loading.value = true;
    try {
      session.value = await authApi.me();
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) throw error;
      session.value = null;
    } finally {
      loaded.value = true;
      loading.value = false;
    }
  }

  let loadingOnce: Promise<void> | undefined;
  function ensureLoaded(): Promise<void> {
    if (loaded.value) return Promise.resolve();
    loadingOnce ??= me().finally(() => (loadingOnce = undefined));
    return loadingOnce;
  }

  async function login(username: string, password: string): Promise<void> {
    loading.value = true;
    try {
      session.value = await authApi.login(username, password);
      notice.value = null;
      loaded.value = true;
    } finally {
      loading.value = false;
    }
  }

  async function logout(): Promise<void> {
    try {
      await authApi.logout();
    } catch (error) {
      // Already gone on the server (expired, disabled): signing out locally is all that is left.
      if (!(error instanceof ApiError && error.status === 401)) throw error;
    } finally {
      session.value = null;
    }
  }

  async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
    loading.value = true;
    try {
      session.value = await authApi.changePassword(currentPassword, newPassword);
    } finally {
      loading.value = false;
    }
  }

  /** The server no longer knows this session (expired, user disabled, password reset). */
  function end(reason: Exclude<SignOutNotice, null>): void {
    if (!session.value) return;
    session.value = null;
    notice.value = reason;
  }

  function takeNotice(): SignOutNotice {
    const value = notice.value;
    notice.value = null;
    return value;
  }

  return {
    session, loaded, loading, user, permissions, signedIn, mustChangePassword, csrfToken, store,
    can, me, ensureLoaded, login, logout, changePassword, end, takeNotice,
  };
});
