import { useI18n } from 'vue-i18n';
import { parseAuditTarget, wordDetail, type WordingTools } from '../audit/audit-wording';
import { useFormat } from './useFormat';
import { useTextOr } from './useTextOr';

export type AuditTone = 'danger' | 'warning' | 'success' | 'info' | 'primary';

/** How an audit action reads and looks; unknown actions (other areas) show their code. */
export function useAuditLabels() {
  const textOr = useTextOr();
  const { t, te, locale } = useI18n();
  const format = useFormat();
  const tools: WordingTools = {
    text: (key, params) => (te(key) ? t(key, params ?? {}) : undefined),
    dateTime: (ms) => format.dateTime(ms),
    number: (value) => new Intl.NumberFormat(locale.value).format(value),
  };

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

  /** Who did it: StoreMAS's own pseudo-users (system, cli) and programs (key:…, cloudmas:…) in words, people by their user name. */
  function actor(username: string | null | undefined): string {
    if (!username) return '';
    const program = /^(key|cloudmas):(.+)$/.exec(username);
    if (program) return textOr(`audit.actors.${program[1]}`, username, { name: program[2] });
    return textOr(`audit.actors.${username}`, username);
  }

  /** What the action was done to, in words ("会员 #9998"), with a link to its page when it has one. */
  function target(action: string, raw: string): { text: string; link?: string } {
    const parsed = parseAuditTarget(action, raw);
    if (parsed.kind === 'text') return { text: raw };
    if (parsed.kind === 'user') return { text: actor(parsed.id) };
    // Lists and SMS services are named by their id (black → 黑名单, points → 积分查询).
    const key = parsed.kind === 'list' || parsed.kind === 'sms-service' ? `audit.targets.${parsed.kind}.${parsed.id}` : `audit.targets.${parsed.kind}`;
    return { text: textOr(key, raw, { id: parsed.id }), link: parsed.link };
  }

  /** The detail as label–value pairs in words: no raw keys, JSON or epoch times. */
  function detail(value: Record<string, unknown> | null): Array<[string, string]> {
    return wordDetail(value, tools);
  }

  return { label, tone, actor, target, detail };
}
