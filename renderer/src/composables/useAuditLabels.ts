import { useI18n } from 'vue-i18n';

export type AuditTone = 'danger' | 'warning' | 'success' | 'info' | 'primary';

/** How an audit action reads and looks; unknown actions (other areas) show their code. */
export function useAuditLabels() {
  const { t, te } = useI18n();

  function label(action: string): string {
    // Action names have dots (user.create); their labels are keyed with underscores.
    const key = `audit.actions.${action.replace(/\./g, '_')}`;
    return te(key) ? t(key) : action;
  }

  function tone(action: string): AuditTone {
    if (action === 'user.locked' || action === 'login.failed') return 'danger';
    if (action.endsWith('.disable') || action.endsWith('reset-password') || action.endsWith('.remove') || action.endsWith('.delete') || action.endsWith('.cancel') || action.endsWith('.opt-out')) return 'warning';
    if (action === 'login' || action === 'logout') return 'info';
    if (action.endsWith('.create') || action.endsWith('.enable')) return 'success';
    return 'primary';
  }

  /** Who did it: StoreMAS's own pseudo-users (system, cli) in words, people by their user name. */
  function actor(username: string | null | undefined): string {
    if (!username) return '';
    const key = `audit.actors.${username}`;
    return te(key) ? t(key) : username;
  }

  return { label, tone, actor };
}
