import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { AuditActor, AuditLog } from '../auth/audit.js';
import type { Clock } from '../clock.js';
import type { EventBus } from '../events/bus.js';
import type { MemberFilter } from '../members/filter.js';
import type { Members } from '../members/members.js';
import type { Messaging } from '../messaging/dispatcher/service.js';
import type { InboundHandler } from '../messaging/inbox/inbox.js';
import type { Recipient } from '../messaging/outbox/enqueue.js';
import { queriedMembers } from '../messaging/outbox/recipients.js';
import { localDate } from '../messaging/policy/local-time.js';
import { preview, RenderError, renderOptionsFrom, SAMPLE_MEMBER } from '../messaging/render/render.js';
import type { Settings } from '../settings/settings.js';
import { SurveyError } from './errors.js';
import { invitationText, questionText } from './prompts.js';
import { SurveySessions, toQuestion } from './sessions.js';
import { formatLocalTime } from '../reports/days.js';
import type { FileLanguage } from '../reports/words.js';
import { workbookBuffer } from '../reports/xlsx.js';
import { surveySheets } from './export.js';
import { CROSS_TAB_DIMENSIONS, crossTab, surveyStatistics, type CrossTab, type CrossTabDimension, type StatsAnswer, type StatsSession, type SurveyStatistics } from './statistics.js';
import { OPEN_SESSION_STATES, type SessionCounts, type SessionState, type Survey, type SurveyInput, type SurveyMode, type SurveyState } from './types.js';
import { validateSurvey } from './validate.js';

export interface SurveysDeps {
  db: Knex;
  clock: Clock;
  audit: AuditLog;
  events: EventBus;
  logger: Logger;
  settings: Settings;
  messaging: Messaging;
  members: Members;
}

/** Who to invite: a member filter (the same one 会员 searches with) or a list of member ids. */
export type SurveyAudience = { filter: MemberFilter } | { memberIds: number[] };

export interface InviteOptions {
  dryRun?: boolean;
  /** Send no earlier than this (epoch ms). */
  notBefore?: number | null;
}

export interface InviteResult {
  dryRun: boolean;
  batchId: string | null;
  /** Members in the audience with a mobile number. */
  total: number;
  queued: number;
  deferred: number;
  blocked: Record<string, number>;
  /** Already invited to this survey (each number is invited once). */
  duplicates: number;
  /** In the audience and in another survey's open session now: that session ends when this invitation is sent (the most recent survey wins). */
  supersedes: number;
  parts: number;
  samples: Array<{ recipient: string; text: string; parts: number }>;
}

export interface SurveySummary {
  id: number;
  title: string;
  mode: SurveyMode;
  state: SurveyState;
  questionCount: number;
  createdAt: number;
  updatedAt: number;
  openedAt: number | null;
  closedAt: number | null;
  sessions: SessionCounts;
  /** Sessions with at least one answer. */
  responded: number;
}

export interface TextAnswer {
  sessionId: number;
  questionId: number;
  position: number;
  text: string;
  number: string;
  memberId: number | null;
  memberName: string | null;
  storeCode: string | null;
  storeName: string | null;
  answeredAt: number;
}

export interface Respondent {
  sessionId: number;
  number: string;
  memberId: number | null;
  memberName: string | null;
  cardNo: string | null;
  storeCode: string | null;
  storeName: string | null;
  state: SessionState;
  invitedAt: number;
  endedAt: number | null;
  incentiveEarned: boolean;
  incentiveGivenAt: number | null;
  incentiveGivenBy: string | null;
  /** Answers by question id: the choice's label, the rating, 是/否, the free text; null for skipped. */
  answers: Record<number, string | null>;
}

interface SurveyRow {
  id: number;
  title: string;
  intro: string;
  mode: SurveyMode;
  timeout_hours: number;
  incentive: string;
  thanks: string;
  state: SurveyState;
  created_at: number | string;
  created_by: string;
  updated_at: number | string;
  opened_at: number | string | null;
  closed_at: number | string | null;
}

const SWEEP_INTERVAL_MS = 60_000;
const n = (v: number | string | null): number | null => (v === null ? null : Number(v));
const emptyCounts = (): SessionCounts => ({ invited: 0, answering: 0, completed: 0, expired: 0, optedOut: 0, superseded: 0, closed: 0 });
const COUNT_KEY: Record<SessionState, keyof SessionCounts> = {
  invited: 'invited',
  answering: 'answering',
  completed: 'completed',
  expired: 'expired',
  'opted-out': 'optedOut',
  superseded: 'superseded',
  closed: 'closed',
};

/** The idempotency keys of a survey's invitations: `survey:<id>:<member id or number>`, a range on the unique index. */
function keyRange(surveyId: number): [string, string] {
  return [`survey:${surveyId}:`, `survey:${surveyId};`];
}

/**
 * SMS surveys (问卷调查): the editor's surveys, invitations to an audience, the
 * respondents' sessions (sessions.ts), statistics and exports.
 *
 * Invitations are care texts (commercial: consent, opt-out, the marketing
 * blacklist, the cap and quiet hours apply — a satisfaction survey looks after
 * the customer, it does not sell); the questions that follow an answer are
 * replies to the customer's own text. Each number is invited to a survey once
 * (idempotency key survey + member). `inviteToSurvey` is what the campaign
 * machinery calls.
 */
export class Surveys {
  readonly sessions: SurveySessions;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: SurveysDeps) {
    this.sessions = new SurveySessions({
      db: deps.db,
      clock: deps.clock,
      events: deps.events,
      logger: deps.logger,
      outbox: deps.messaging.outbox,
      timeZone: () => this.timeZone(),
    });
  }

  private get db(): Knex {
    return this.deps.db;
  }

  private async timeZone(): Promise<string> {
    return (await this.deps.settings.get('policy')).timeZone;
  }

  /** Hooks the sessions into the inbound chain (before the opt-out for TD, at the survey place for answers); returns the removal. */
  attach(use: (handler: InboundHandler, order: number) => () => void, order: { optOut: number; surveys: number }): () => void {
    // Just before the general opt-out: it ends the session and passes the TD on.
    const offObserver = use(this.sessions.optOutObserver, order.optOut - 1);
    const offHandler = use(this.sessions.handler, order.surveys);
    return () => {
      offHandler();
      offObserver();
    };
  }

  /** The expiry sweep (every minute) and the repair of sessions an interrupted invitation left uncreated. */
  start(): () => Promise<void> {
    const sweep = () => {
      this.sessions.expireDue().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'survey session sweep failed'));
    };
    this.timer = setInterval(sweep, SWEEP_INTERVAL_MS);
    this.timer.unref();
    void this.repairSessions().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'survey session repair failed'));
    sweep();
    return () => this.stop();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  // ---- surveys -----------------------------------------------------------

  private async counts(ids: number[], trx: Knex = this.db): Promise<Map<number, { sessions: SessionCounts; responded: number }>> {
    const result = new Map<number, { sessions: SessionCounts; responded: number }>();
    for (const id of ids) result.set(id, { sessions: emptyCounts(), responded: 0 });
    if (ids.length === 0) return result;
    // In the caller's transaction when there is one: SQLite has a single connection.
    const rows: Array<{ survey_id: number; state: SessionState; n: number | string }> = await trx('survey_sessions')
      .select('survey_id', 'state')
      .count({ n: '*' })
      .whereIn('survey_id', ids)
      .groupBy('survey_id', 'state');
    for (const row of rows) result.get(Number(row.survey_id))!.sessions[COUNT_KEY[row.state]] += Number(row.n);
    const responded: Array<{ survey_id: number; n: number | string }> = await trx('survey_answers')
      .select('survey_id')
      .countDistinct({ n: 'session_id' })
      .whereIn('survey_id', ids)
      .groupBy('survey_id');
    for (const row of responded) result.get(Number(row.survey_id))!.responded = Number(row.n);
    return result;
  }

  async list(query: { state?: SurveyState | undefined; q?: string | undefined; page: number; pageSize: number }): Promise<{ items: SurveySummary[]; total: number }> {
    const base = this.db('surveys');
    if (query.state) base.where('state', query.state);
    const q = query.q?.trim();
    if (q) base.where('title', 'like', `%${q.replace(/[%_]/g, '')}%`);
    const [countRow] = await base.clone().count<Array<{ n: number | string }>>({ n: '*' });
    const rows: SurveyRow[] = await base
      .clone()
      .select('*')
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    const questionCounts: Array<{ survey_id: number; n: number | string }> = rows.length
      ? await this.db('survey_questions').select('survey_id').count({ n: '*' }).whereIn('survey_id', rows.map((r) => r.id)).groupBy('survey_id')
      : [];
    const byId = new Map(questionCounts.map((r) => [Number(r.survey_id), Number(r.n)]));
    const counts = await this.counts(rows.map((r) => Number(r.id)));
    return {
      items: rows.map((row) => ({
        id: Number(row.id),
        title: row.title,
        mode: row.mode,
        state: row.state,
        questionCount: byId.get(Number(row.id)) ?? 0,
        createdAt: Number(row.created_at),
        updatedAt: Number(row.updated_at),
        openedAt: n(row.opened_at),
        closedAt: n(row.closed_at),
        ...counts.get(Number(row.id))!,
      })),
      total: Number(countRow?.n ?? 0),
    };
  }

  async get(id: number, trx: Knex = this.db): Promise<Survey> {
    const row: SurveyRow | undefined = await trx('surveys').where('id', id).first();
    if (!row) throw new SurveyError('SURVEY_NOT_FOUND', `There is no survey ${id}; it may have been deleted. Reload the list.`, 404);
    const questions = (await trx('survey_questions').where('survey_id', id).orderBy('position')).map(toQuestion);
    const counts = await this.counts([id], trx);
    return {
      id: Number(row.id),
      title: row.title,
      intro: row.intro,
      mode: row.mode,
      timeoutHours: Number(row.timeout_hours),
      incentive: row.incentive,
      thanks: row.thanks,
      state: row.state,
      questions,
      createdAt: Number(row.created_at),
      createdBy: row.created_by,
      updatedAt: Number(row.updated_at),
      openedAt: n(row.opened_at),
      closedAt: n(row.closed_at),
      sessions: counts.get(id)!.sessions,
    };
  }

  private async writeQuestions(trx: Knex, surveyId: number, input: SurveyInput): Promise<void> {
    await trx('survey_questions').where('survey_id', surveyId).delete();
    await trx('survey_questions').insert(
      input.questions.map((q, position) => ({
        survey_id: surveyId,
        position,
        kind: q.kind,
        text: q.text,
        options: q.kind === 'choice' ? JSON.stringify(q.options) : null,
        scale: q.kind === 'rating' ? (q.scale ?? '1-5') : null,
      })),
    );
  }

  private columns(input: SurveyInput) {
    return { title: input.title, intro: input.intro, mode: input.mode, timeout_hours: input.timeoutHours, incentive: input.incentive, thanks: input.thanks };
  }

  async create(actor: AuditActor, raw: SurveyInput): Promise<Survey> {
    const input = validateSurvey(raw);
    const now = this.deps.clock.now();
    const id = await this.db.transaction(async (trx) => {
      const [inserted] = (await trx('surveys')
        .insert({ ...this.columns(input), state: 'draft', created_at: now, created_by: actor.username.slice(0, 64), updated_at: now })
        .returning('id')) as Array<{ id: number } | number>;
      const surveyId = Number(typeof inserted === 'object' ? inserted.id : inserted);
      await this.writeQuestions(trx, surveyId, input);
      await this.deps.audit.record(actor, 'surveys.create', `survey:${surveyId}`, { title: input.title, questions: input.questions.length }, trx);
      return surveyId;
    });
    this.deps.events.publish('surveys.changed', { id, reason: 'edit' }, 'surveys.read');
    return this.get(id);
  }

  /**
   * Changes a survey. Once invitations went out the questions are locked (the
   * answers would no longer match them): only the title, the thanks and the
   * time to answer may change; copy the survey to ask different questions.
   */
  async update(actor: AuditActor, id: number, raw: SurveyInput): Promise<Survey> {
    const input = validateSurvey(raw);
    const now = this.deps.clock.now();
    await this.db.transaction(async (trx) => {
      const current = await this.get(id, trx);
      if (current.state === 'closed') throw new SurveyError('SURVEY_CLOSED', `The survey "${current.title}" is closed; copy it to run it again.`, 409);
      if (current.state === 'open') {
        const same =
          input.intro === current.intro &&
          input.mode === current.mode &&
          input.incentive === current.incentive &&
          JSON.stringify(input.questions) ===
            JSON.stringify(current.questions.map((q) => ({ kind: q.kind, text: q.text, ...(q.kind === 'choice' ? { options: q.options } : {}), ...(q.kind === 'rating' ? { scale: q.scale } : {}) })));
        if (!same) {
          throw new SurveyError(
            'SURVEY_LOCKED',
            `Invitations to "${current.title}" have gone out: its invitation, incentive and questions can no longer change (the answers must match them). Change the title, the thanks or the time to answer, or copy the survey.`,
            409,
          );
        }
        await trx('surveys').where('id', id).update({ title: input.title, thanks: input.thanks, timeout_hours: input.timeoutHours, updated_at: now });
      } else {
        await trx('surveys').where('id', id).update({ ...this.columns(input), updated_at: now });
        await this.writeQuestions(trx, id, input);
      }
      await this.deps.audit.record(actor, 'surveys.update', `survey:${id}`, { title: input.title }, trx);
    });
    this.deps.events.publish('surveys.changed', { id, reason: 'edit' }, 'surveys.read');
    return this.get(id);
  }

  /** A draft copy to edit and send again (a locked or closed survey's questions, say). */
  async duplicate(actor: AuditActor, id: number): Promise<Survey> {
    const source = await this.get(id);
    return this.create(actor, {
      title: `${source.title}（副本）`.slice(0, 100),
      intro: source.intro,
      mode: source.mode,
      timeoutHours: source.timeoutHours,
      incentive: source.incentive,
      thanks: source.thanks,
      questions: source.questions.map((q) => ({ kind: q.kind, text: q.text, options: q.kind === 'choice' ? q.options : undefined, scale: q.scale ?? undefined })),
    });
  }

  /** Deletes a survey nobody was invited to (one with respondents is closed instead: its answers are the store's record). */
  async remove(actor: AuditActor, id: number): Promise<void> {
    await this.db.transaction(async (trx) => {
      const current = await this.get(id, trx);
      const total = Object.values(current.sessions).reduce((a, b) => a + b, 0);
      if (total > 0) throw new SurveyError('SURVEY_HAS_RESPONDENTS', `"${current.title}" was sent to ${total} people; close it instead of deleting it, so their answers stay.`, 409);
      await trx('survey_questions').where('survey_id', id).delete();
      await trx('surveys').where('id', id).delete();
      await this.deps.audit.record(actor, 'surveys.delete', `survey:${id}`, { title: current.title }, trx);
    });
    this.deps.events.publish('surveys.changed', { id, reason: 'edit' }, 'surveys.read');
  }

  /** Closes a survey: open sessions end (closed), later answers are not recorded. */
  async close(actor: AuditActor, id: number): Promise<Survey> {
    const now = this.deps.clock.now();
    await this.db.transaction(async (trx) => {
      const current = await this.get(id, trx);
      if (current.state === 'closed') return;
      const ended = await trx('survey_sessions').where('survey_id', id).whereIn('state', OPEN_SESSION_STATES).update({ state: 'closed', ended_at: now });
      await trx('surveys').where('id', id).update({ state: 'closed', closed_at: now, updated_at: now });
      await this.deps.audit.record(actor, 'surveys.close', `survey:${id}`, { title: current.title, openSessionsEnded: Number(ended) }, trx);
    });
    this.deps.events.publish('surveys.changed', { id, reason: 'close' }, 'surveys.read');
    return this.get(id);
  }

  /** The texts respondents will read, for the editor (invitation with a sample member, each question as sent later). */
  async previewTexts(raw: SurveyInput): Promise<{ invitation: ReturnType<typeof preview>; questions: string[] }> {
    const input = validateSurvey(raw);
    const settings = await this.deps.settings.all();
    const asked = input.questions.map((q) => ({ kind: q.kind, text: q.text, options: q.options ?? [], scale: q.scale ?? null }));
    const invitation = preview(invitationText({ ...input, questions: asked }), SAMPLE_MEMBER, renderOptionsFrom(settings, settings.policy, 'care'));
    const questions = asked.map((q, i) => questionText(q, i, asked.length));
    return { invitation, questions };
  }

  // ---- invitations -------------------------------------------------------

  /** Members of the audience with a mobile, streamed by id. */
  private audienceQuery(audience: SurveyAudience): Knex.QueryBuilder {
    const base = 'filter' in audience ? this.deps.members.filtered(audience.filter) : this.db('members').whereIn('members.id', audience.memberIds).whereNull('members.deleted_at');
    return base.whereNotNull('members.mobile');
  }

  private recipients(audience: SurveyAudience): AsyncGenerator<Recipient> {
    return queriedMembers(this.db, this.audienceQuery(audience));
  }

  /** How many of the audience are in another survey's open session now. */
  private async supersedeCount(surveyId: number, audience: SurveyAudience): Promise<number> {
    const numbers = this.audienceQuery(audience).clone().select('members.mobile');
    const [row] = await this.db('survey_sessions')
      .countDistinct<Array<{ n: number | string }>>({ n: 'number' })
      .whereIn('state', OPEN_SESSION_STATES)
      .whereNot('survey_id', surveyId)
      .where('expires_at', '>', this.deps.clock.now())
      .whereIn('number', numbers);
    return Number(row?.n ?? 0);
  }

  /**
   * Invites an audience to a survey: one batch through the outbox (care; the
   * policy applies), a session per number written right after (and again at
   * the next start if the appliance stopped in between), and the number's
   * open session in an older survey ended as superseded. A dry run counts
   * without writing. The first invitation opens the survey and locks its questions.
   */
  async inviteToSurvey(surveyId: number, audience: SurveyAudience | MemberFilter | number[], actor: AuditActor, options: InviteOptions = {}): Promise<InviteResult> {
    const normalized: SurveyAudience = Array.isArray(audience) ? { memberIds: audience } : 'filter' in audience || 'memberIds' in audience ? (audience as SurveyAudience) : { filter: audience as MemberFilter };
    const survey = await this.get(surveyId);
    if (survey.state === 'closed') throw new SurveyError('SURVEY_CLOSED', `The survey "${survey.title}" is closed; copy it to send it again.`, 409);
    const settings = await this.deps.settings.all();
    const text = invitationText(survey);
    const shown = preview(text, SAMPLE_MEMBER, renderOptionsFrom(settings, settings.policy, 'care'));
    if (shown.error) throw new RenderError(shown.error.code, `The invitation does not fit: ${shown.error.message} Shorten the intro, the incentive or the questions, or ask one question at a time.`);
    const dryRun = options.dryRun === true;
    const supersedes = await this.supersedeCount(surveyId, normalized);
    if (!dryRun && survey.state === 'draft') {
      const now = this.deps.clock.now();
      await this.db('surveys').where({ id: surveyId, state: 'draft' }).update({ state: 'open', opened_at: now, updated_at: now });
    }
    const result = await this.deps.messaging.outbox.enqueue(
      this.recipients(normalized),
      {
        text,
        category: 'care',
        source: 'survey',
        notBefore: options.notBefore ?? null,
        idempotencyPrefix: `survey:${surveyId}`,
        batch: { label: `问卷：${survey.title}`.slice(0, 200), kind: 'survey' },
        matchMembers: false,
      },
      actor,
      { dryRun },
    );
    if (result.total === 0) {
      throw new SurveyError('SURVEY_NO_AUDIENCE', 'No member in this audience has a mobile number; choose other members.', 409);
    }
    if (!dryRun) {
      await this.createSessions(surveyId, survey.timeoutHours);
      if (result.batchId) await this.supersedeOlder(surveyId, result.batchId);
      await this.deps.audit.record(actor, 'surveys.invite', `survey:${surveyId}`, { batchId: result.batchId, queued: result.queued, deferred: result.deferred, duplicates: result.duplicates, supersedes });
      this.deps.messaging.poke();
      this.deps.events.publish('surveys.changed', { id: surveyId, reason: 'invite' }, 'surveys.read');
    }
    return {
      dryRun,
      batchId: result.batchId,
      total: result.total,
      queued: result.queued,
      deferred: result.deferred,
      blocked: result.blocked,
      duplicates: result.duplicates,
      supersedes,
      parts: result.parts,
      samples: result.samples,
    };
  }

  /** A session for every invitation of the survey that was not blocked (idempotent: one per number). */
  private async createSessions(surveyId: number, timeoutHours: number): Promise<void> {
    const [from, to] = keyRange(surveyId);
    await this.db.raw(
      `INSERT INTO survey_sessions (survey_id, number, member_id, store_code, invitation_message_id, batch_id, state, position, reprompted, invited_at, expires_at)
       SELECT ?, o.recipient, o.member_id, m.store_code, o.id, o.batch_id, 'invited', 0, ?, o.created_at, COALESCE(o.not_before, o.created_at) + ?
       FROM outbox_messages o LEFT JOIN members m ON m.id = o.member_id
       WHERE o.idempotency_key >= ? AND o.idempotency_key < ? AND o.status <> 'blocked'
       ON CONFLICT (survey_id, number) DO NOTHING`,
      [surveyId, false, timeoutHours * 3_600_000, from, to],
    );
  }

  /** The numbers just invited leave their older surveys' open sessions: the most recent survey wins. */
  private async supersedeOlder(surveyId: number, batchId: string): Promise<void> {
    const now = this.deps.clock.now();
    await this.db('survey_sessions')
      .whereIn('state', OPEN_SESSION_STATES)
      .whereNot('survey_id', surveyId)
      .whereIn('number', (q) => void q.select('number').from('survey_sessions').where({ survey_id: surveyId, batch_id: batchId }))
      .update({ state: 'superseded', ended_at: now });
  }

  /** Sessions for invitations queued before a stop that came between the enqueue and the session write. */
  async repairSessions(): Promise<void> {
    const open: Array<{ id: number; timeout_hours: number }> = await this.db('surveys').where('state', 'open').select('id', 'timeout_hours');
    for (const survey of open) await this.createSessions(Number(survey.id), Number(survey.timeout_hours));
  }

  // ---- statistics --------------------------------------------------------

  async today(): Promise<string> {
    return localDate(await this.timeZone(), this.deps.clock.now());
  }

  /** Sessions and answers as the statistics read them; `range` keeps answers given in it and the sessions active in it. */
  async statisticsInput(id: number, filter: { storeCode?: string | undefined; from?: number | undefined; to?: number | undefined } = {}): Promise<{ sessions: StatsSession[]; answers: StatsAnswer[] }> {
    const sessionsQuery = this.db('survey_sessions as s')
      .leftJoin('outbox_messages as o', 'o.id', 's.invitation_message_id')
      .leftJoin('members as m', 'm.id', 's.member_id')
      .where('s.survey_id', id)
      .select('s.id', 's.state', 's.store_code', 's.late_answers', 'o.status as invitation_status', 'm.gender', 'm.birthday', 'm.total_spent_cents');
    if (filter.storeCode) sessionsQuery.where('s.store_code', filter.storeCode);
    if (filter.from !== undefined || filter.to !== undefined) {
      const from = filter.from ?? 0;
      const to = filter.to ?? Number.MAX_SAFE_INTEGER;
      sessionsQuery.where((w) => void w.whereBetween('s.invited_at', [from, to - 1]).orWhereBetween('s.last_activity_at', [from, to - 1]));
    }
    const rows = (await sessionsQuery) as Array<{
      id: number;
      state: SessionState;
      store_code: string | null;
      late_answers: number;
      invitation_status: string | null;
      gender: string | null;
      birthday: string | null;
      total_spent_cents: number | string | null;
    }>;
    const sessions: StatsSession[] = rows.map((r) => ({
      id: Number(r.id),
      state: r.state,
      invitationStatus: r.invitation_status,
      storeCode: r.store_code,
      gender: r.gender,
      birthday: r.birthday,
      totalSpentCents: r.total_spent_cents === null ? null : Number(r.total_spent_cents),
      lateAnswers: Number(r.late_answers),
    }));
    const ids = new Set(sessions.map((s) => s.id));
    const answersQuery = this.db('survey_answers').where('survey_id', id).select('session_id', 'question_id', 'value_number', 'value_text', 'skipped');
    if (filter.from !== undefined) answersQuery.where('answered_at', '>=', filter.from);
    if (filter.to !== undefined) answersQuery.where('answered_at', '<', filter.to);
    const answerRows = (await answersQuery) as Array<{ session_id: number; question_id: number; value_number: number | null; value_text: string | null; skipped: number | boolean }>;
    const answers: StatsAnswer[] = answerRows
      .filter((a) => ids.has(Number(a.session_id)))
      .map((a) => ({ sessionId: Number(a.session_id), questionId: Number(a.question_id), number: a.value_number === null ? null : Number(a.value_number), text: a.value_text, skipped: Boolean(a.skipped) }));
    return { sessions, answers };
  }

  async statistics(id: number, filter: { storeCode?: string | undefined; from?: number | undefined; to?: number | undefined } = {}): Promise<SurveyStatistics> {
    const survey = await this.get(id);
    const { sessions, answers } = await this.statisticsInput(id, filter);
    return surveyStatistics(survey.questions, sessions, answers);
  }

  async crossTab(id: number, dimension: CrossTabDimension, filter: { storeCode?: string | undefined } = {}): Promise<CrossTab & { labels: Record<string, string> }> {
    const survey = await this.get(id);
    const { sessions, answers } = await this.statisticsInput(id, filter);
    const table = crossTab(survey.questions, sessions, answers, dimension, await this.today());
    const labels: Record<string, string> = {};
    if (dimension === 'store') {
      const stores: Array<{ code: string; name: string }> = await this.db('stores').select('code', 'name');
      for (const s of stores) labels[s.code] = s.name;
    }
    return { ...table, labels };
  }

  /** Free-text answers, newest first; `q` searches the text. */
  async textAnswers(id: number, query: { questionId?: number | undefined; q?: string | undefined; storeCode?: string | undefined; page: number; pageSize: number }): Promise<{ items: TextAnswer[]; total: number }> {
    const base = this.db('survey_answers as a')
      .join('survey_questions as qn', 'qn.id', 'a.question_id')
      .join('survey_sessions as s', 's.id', 'a.session_id')
      .where('a.survey_id', id)
      .where('qn.kind', 'text')
      .where('a.skipped', false);
    if (query.questionId) base.where('a.question_id', query.questionId);
    if (query.storeCode) base.where('s.store_code', query.storeCode);
    const q = query.q?.trim();
    if (q) base.whereRaw("a.value_text LIKE ? ESCAPE '\\'", [`%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`]);
    const [countRow] = await base.clone().count<Array<{ n: number | string }>>({ n: '*' });
    const rows = (await base
      .clone()
      .leftJoin('members as m', 'm.id', 's.member_id')
      .leftJoin('stores as st', 'st.code', 's.store_code')
      .select('a.session_id', 'a.question_id', 'qn.position', 'a.value_text', 'a.answered_at', 's.number', 's.member_id', 's.store_code', 'm.name as member_name', 'st.name as store_name')
      .orderBy('a.answered_at', 'desc')
      .orderBy('a.id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)) as Array<{
      session_id: number;
      question_id: number;
      position: number;
      value_text: string | null;
      answered_at: number | string;
      number: string;
      member_id: number | null;
      store_code: string | null;
      member_name: string | null;
      store_name: string | null;
    }>;
    return {
      items: rows.map((r) => ({
        sessionId: Number(r.session_id),
        questionId: Number(r.question_id),
        position: Number(r.position),
        text: r.value_text ?? '',
        number: r.number,
        memberId: n(r.member_id),
        memberName: r.member_name,
        storeCode: r.store_code,
        storeName: r.store_name,
        answeredAt: Number(r.answered_at),
      })),
      total: Number(countRow?.n ?? 0),
    };
  }

  /** Everyone invited, with their answers in words; `incentiveOnly`: those who earned the incentive (the list the store honours). */
  async respondents(id: number, options: { incentiveOnly?: boolean; storeCode?: string | undefined; page?: number; pageSize?: number } = {}): Promise<{ items: Respondent[]; total: number }> {
    const survey = await this.get(id);
    const base = this.db('survey_sessions as s').where('s.survey_id', id);
    if (options.incentiveOnly) base.where('s.incentive_earned', true);
    if (options.storeCode) base.where('s.store_code', options.storeCode);
    const [countRow] = await base.clone().count<Array<{ n: number | string }>>({ n: '*' });
    const page = base
      .clone()
      .leftJoin('members as m', 'm.id', 's.member_id')
      .leftJoin('stores as st', 'st.code', 's.store_code')
      .select('s.*', 'm.name as member_name', 'm.card_no', 'st.name as store_name')
      .orderBy('s.id');
    if (options.pageSize) page.limit(options.pageSize).offset(((options.page ?? 1) - 1) * options.pageSize);
    const rows = (await page) as Array<{
      id: number;
      number: string;
      member_id: number | null;
      member_name: string | null;
      card_no: string | null;
      store_code: string | null;
      store_name: string | null;
      state: SessionState;
      invited_at: number | string;
      ended_at: number | string | null;
      incentive_earned: number | boolean;
      incentive_given_at: number | string | null;
      incentive_given_by: string | null;
    }>;
    const answers: Array<{ session_id: number; question_id: number; value_number: number | null; value_text: string | null; skipped: number | boolean }> = rows.length
      ? await this.db('survey_answers').whereIn('session_id', rows.map((r) => r.id)).select('session_id', 'question_id', 'value_number', 'value_text', 'skipped')
      : [];
    const questions = new Map(survey.questions.map((q) => [q.id, q]));
    const bySession = new Map<number, Record<number, string | null>>();
    for (const a of answers) {
      const question = questions.get(Number(a.question_id));
      const record = bySession.get(Number(a.session_id)) ?? {};
      let shown: string | null = null;
      if (!a.skipped && question) {
        if (question.kind === 'yes-no') shown = Number(a.value_number) === 1 ? '是' : '否';
        else if (question.kind === 'rating') shown = String(Number(a.value_number));
        else shown = a.value_text;
      }
      record[Number(a.question_id)] = shown;
      bySession.set(Number(a.session_id), record);
    }
    return {
      items: rows.map((r) => ({
        sessionId: Number(r.id),
        number: r.number,
        memberId: n(r.member_id),
        memberName: r.member_name,
        cardNo: r.card_no,
        storeCode: r.store_code,
        storeName: r.store_name,
        state: r.state,
        invitedAt: Number(r.invited_at),
        endedAt: n(r.ended_at),
        incentiveEarned: Boolean(r.incentive_earned),
        incentiveGivenAt: n(r.incentive_given_at),
        incentiveGivenBy: r.incentive_given_by,
        answers: bySession.get(Number(r.id)) ?? {},
      })),
      total: Number(countRow?.n ?? 0),
    };
  }

  /** Marks incentives as given at the till (StoreMAS never writes to the POS: this is the store's own record). */
  async markIncentivesGiven(actor: AuditActor, id: number, sessionIds: number[]): Promise<{ marked: number }> {
    const now = this.deps.clock.now();
    const marked = await this.db.transaction(async (trx) => {
      await this.get(id, trx);
      const changed = await trx('survey_sessions')
        .where('survey_id', id)
        .whereIn('id', sessionIds)
        .where('incentive_earned', true)
        .whereNull('incentive_given_at')
        .update({ incentive_given_at: now, incentive_given_by: actor.username.slice(0, 64) });
      await this.deps.audit.record(actor, 'surveys.incentive.given', `survey:${id}`, { sessions: Number(changed) }, trx);
      return Number(changed);
    });
    this.deps.events.publish('surveys.changed', { id, reason: 'edit' }, 'surveys.read');
    return { marked };
  }

  /** The whole result as an XLSX workbook (overview, questions, cross-tabs, respondents, text answers, incentives). */
  async exportWorkbook(actor: AuditActor, id: number, options: { language: FileLanguage; storeCode?: string | undefined }): Promise<{ survey: Survey; content: Buffer }> {
    const survey = await this.get(id);
    const filter = { storeCode: options.storeCode };
    const [statistics, respondents, textAnswers, timeZone] = await Promise.all([
      this.statistics(id, filter),
      this.respondents(id, filter),
      this.textAnswers(id, { ...filter, page: 1, pageSize: 100_000 }),
      this.timeZone(),
    ]);
    const crossTabs = [];
    for (const dimension of CROSS_TAB_DIMENSIONS) crossTabs.push(await this.crossTab(id, dimension, filter));
    const content = await workbookBuffer(
      surveySheets({ survey, statistics, crossTabs, respondents: respondents.items, textAnswers: textAnswers.items, language: options.language, formatTime: (ms) => formatLocalTime(timeZone, ms) }),
    );
    await this.deps.audit.record(actor, 'surveys.export', `survey:${id}`, { respondents: respondents.total, storeCode: options.storeCode ?? null });
    return { survey, content };
  }
}
