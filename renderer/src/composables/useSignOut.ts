import { useRouter } from 'vue-router';
import { useSessionStore } from '../stores/session';
import { disconnectEvents } from './useEvents';
import { useApiError } from './useApiError';

/** Signs out and goes to the sign-in page; a failed request is shown, and the page is left anyway. */
export function useSignOut() {
  const router = useRouter();
  const session = useSessionStore();
  const { toast } = useApiError();

  return async function signOut(): Promise<void> {
    try {
      await session.logout();
    } catch (error) {
      toast(error);
    } finally {
      disconnectEvents();
      await router.replace({ name: 'login' });
    }
  };
}
