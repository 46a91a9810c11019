import { useTextOr } from './useTextOr';

export type AuditTone = 'danger' | 'warning' | 'success' | 'info' | 'primary';

/** How an audit action reads and looks; unknown actions (other areas) show their code. */
export function useAuditLabels() {
  const textOr = useTextOr();

  function label(action: string): string {
    // Action names have dots (user.create); their labels are keyed with underscores.
    return textOr(`audit.actions.${action.replace(/\./g, '_')}`, action);
  }

  function tone(action: string): AuditTone {
    if (action === 'user.locked' || action === 'login.failed' || action === 'services.lockout') return 'danger';
    if (action.endsWith('.disable') || action.endsWith('reset-password') || action.endsWith('.remove') || action.endsWith('.delete') || action.endsWith('.cancel') || action.endsWith('.opt-out') || action.endsWith('.deactivate')) return 'warning';
    if (action === 'login' || action === 'logout') return 'info';
    if (action.endsWith('.create') || action.endsWith('.enable')) return 'success';
    return 'primary';
  }

  /** Who did it: StoreMAS's own pseudo-users (system, cli) in words, people by their user name. */
  function actor(username: string | null | undefined): string {
    return username ? textOr(`audit.actors.${username}`, username) : '';
  }

  return { label, tone, actor };
}
