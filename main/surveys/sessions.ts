import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { EventBus } from '../events/bus.js';
import type { InboundHandler } from '../messaging/inbox/inbox.js';
import type { Outbox } from '../messaging/outbox/outbox.js';
import { localDate } from '../messaging/policy/local-time.js';
import { isOptOut } from '../messaging/policy/policy.js';
import { parseAnswer } from './answers.js';
import { advance } from './flow.js';
import { lateText, SUPERSEDED_NOTICE } from './prompts.js';
import { OPEN_SESSION_STATES, type SurveyMode, type SurveyQuestion } from './types.js';

declare module '../events/bus.js' {
  interface ApplianceEvents {
    /** A survey's figures changed (an answer came in, sessions were created, expired or closed). */
    'surveys.changed': { id: number; reason: 'answer' | 'invite' | 'edit' | 'close' | 'expire' };
  }
}

/** An answer this long after the session ended still gets told it came too late (once); later texts go to the other services. */
export const LATE_WINDOW_MS = 7 * 86_400_000;
/** Ended sessions a late answer may belong to. */
const LATE_STATES = ['expired', 'closed'] as const;

interface SessionRow {
  id: number;
  survey_id: number;
  number: string;
  state: string;
  position: number;
  reprompted: number | boolean;
  started_at: number | string | null;
  invited_at: number | string;
  expires_at: number | string;
  ended_at: number | string | null;
  late_answers: number;
}

interface SurveyRow {
  id: number;
  mode: SurveyMode;
  state: string;
  timeout_hours: number;
  incentive: string;
  thanks: string;
}

interface QuestionRow {
  id: number;
  position: number;
  kind: SurveyQuestion['kind'];
  text: string;
  options: string | null;
  scale: SurveyQuestion['scale'];
}

export function toQuestion(row: QuestionRow): SurveyQuestion {
  return { id: Number(row.id), position: Number(row.position), kind: row.kind, text: row.text, options: row.options ? (JSON.parse(row.options) as string[]) : [], scale: row.scale ?? null };
}

export interface SessionDeps {
  db: Knex;
  clock: Clock;
  events: EventBus;
  logger: Logger;
  outbox: Outbox;
  timeZone(): Promise<string>;
}

/**
 * Respondents' sessions: the inbound handler that takes a number's texts while
 * its session is open, the opt-out observer, and the expiry sweep.
 *
 * Routing: only a number with an open session (invited or answering, not past
 * its expiry) is handled here; every other text passes on to the services
 * after (invitations, feedback, keyword services). When a number has two open
 * sessions the most recent survey wins: the older session ends as superseded,
 * and the first reply of the newer one says so (SUPERSEDED_NOTICE).
 * A text after the session ended is not recorded; within LATE_WINDOW_MS, one
 * that reads as an answer gets one reply saying so, and is counted as late.
 */
export class SurveySessions {
  constructor(private readonly deps: SessionDeps) {}

  private async questionsOf(trx: Knex, surveyId: number): Promise<SurveyQuestion[]> {
    const rows: QuestionRow[] = await trx('survey_questions').where('survey_id', surveyId).orderBy('position');
    return rows.map(toQuestion);
  }

  /**
   * Just before the opt-out handler: a TD (or any opt-out word) from a number in a
   * survey ends its session as opted-out, then passes the text on, so the opt-out
   * itself happens exactly as for any other text.
   */
  readonly optOutObserver: InboundHandler = {
    name: 'survey-opt-out',
    handle: async (message, tools) => {
      if (!message.sender.startsWith('+') || !isOptOut(message.text, tools.policy.optOutKeywords)) return 'pass';
      const now = this.deps.clock.now();
      const ended: Array<{ survey_id: number }> = await tools.trx('survey_sessions').select('survey_id').where('number', message.sender).whereIn('state', OPEN_SESSION_STATES);
      if (ended.length > 0) {
        await tools.trx('survey_sessions').where('number', message.sender).whereIn('state', OPEN_SESSION_STATES).update({ state: 'opted-out', ended_at: now, last_activity_at: now });
        for (const row of ended) this.deps.events.publish('surveys.changed', { id: Number(row.survey_id), reason: 'answer' }, 'surveys.read');
      }
      return 'pass';
    },
  };

  readonly handler: InboundHandler = {
    name: 'survey',
    handle: async (message, tools) => {
      if (!message.sender.startsWith('+')) return 'pass';
      const { trx } = tools;
      const now = this.deps.clock.now();
      // One read for every text: the number's open sessions and those ended lately (for a late answer).
      const sessions: SessionRow[] = await trx('survey_sessions')
        .where('number', message.sender)
        .where((q) => q.whereIn('state', OPEN_SESSION_STATES).orWhere((late) => late.whereIn('state', LATE_STATES).where('ended_at', '>', now - LATE_WINDOW_MS)))
        .orderBy('id', 'desc');
      const open = sessions.filter((row) => (OPEN_SESSION_STATES as readonly string[]).includes(row.state));
      let current: SessionRow | undefined;
      let expiredNow = false;
      for (const row of open) {
        if (Number(row.expires_at) <= now) {
          expiredNow = true;
          await trx('survey_sessions').where({ id: row.id, state: row.state }).update({ state: 'expired', ended_at: Number(row.expires_at) });
        } else if (current === undefined) {
          current = row;
        } else {
          // Two surveys open for one number: the most recent wins.
          await trx('survey_sessions').where({ id: row.id, state: row.state }).update({ state: 'superseded', ended_at: now });
        }
      }
      if (!current) {
        // A session that expired just now may be the latest ended one: read again (rare); else the read above has it.
        const ended = expiredNow ? undefined : (sessions.find((row) => (LATE_STATES as readonly string[]).includes(row.state)) ?? null);
        return this.late(message, tools, now, ended);
      }
      const survey: SurveyRow | undefined = await trx('surveys').where('id', current.survey_id).first();
      if (!survey || survey.state === 'closed') {
        await trx('survey_sessions').where({ id: current.id }).update({ state: 'closed', ended_at: now });
        return this.late(message, tools, now);
      }
      const questions = await this.questionsOf(trx, survey.id);
      if (questions.length === 0) return 'pass';
      // The first text to this survey, from a number whose older survey it ended: the reply says so.
      const endedOlder =
        current.state === 'invited' &&
        (await trx('survey_sessions')
          .where({ number: message.sender, state: 'superseded' })
          .whereNot('survey_id', survey.id)
          .where('ended_at', '>=', Number(current.invited_at))
          .first('id')) !== undefined;
      const done: Array<{ question_id: number; skipped: number | boolean }> = await trx('survey_answers').select('question_id', 'skipped').where('session_id', current.id);
      const step = advance(
        {
          mode: survey.mode,
          questions,
          position: Number(current.position),
          reprompted: Boolean(current.reprompted),
          doneQuestionIds: new Set(done.map((d) => Number(d.question_id))),
          thanks: survey.thanks,
          incentive: survey.incentive,
          skippedBefore: done.some((d) => Boolean(d.skipped)),
        },
        message.text,
      );
      if (step.records.length > 0) {
        await trx('survey_answers')
          .insert(
            step.records.map((r) => ({
              session_id: current.id,
              survey_id: survey.id,
              question_id: r.questionId,
              value_number: r.answer?.number ?? null,
              value_text: r.answer?.text ?? null,
              raw_text: message.text.slice(0, 1000),
              skipped: r.skipped,
              inbox_id: message.id,
              answered_at: now,
            })),
          )
          .onConflict(['session_id', 'question_id'])
          .ignore();
      }
      await trx('survey_sessions')
        .where({ id: current.id })
        .update({
          state: step.completed ? 'completed' : 'answering',
          position: step.position,
          reprompted: step.reprompted,
          started_at: current.started_at ?? now,
          last_activity_at: now,
          // Each prompt gives the respondent the full time again.
          expires_at: step.completed ? Number(current.expires_at) : now + Number(survey.timeout_hours) * 3_600_000,
          ended_at: step.completed ? now : null,
          incentive_earned: step.completed && survey.incentive.trim() !== '',
        });
      if (tools.mayAutoAnswer) {
        await this.deps.outbox.enqueueAutoReply(
          message.sender,
          endedOlder ? `${SUPERSEDED_NOTICE}${step.reply}` : step.reply,
          { modemId: message.modemId, inboxId: message.id, rule: 'survey', hourlyLimit: questions.length * 2 + 2 },
          trx,
          tools.lists,
        );
      }
      this.deps.events.publish('surveys.changed', { id: survey.id, reason: 'answer' }, 'surveys.read');
      return 'handled';
    },
  };

  /** A text from a number whose session ended: told once, counted, not recorded — if it reads as an answer. */
  private async late(
    message: Parameters<InboundHandler['handle']>[0],
    tools: Parameters<InboundHandler['handle']>[1],
    now: number,
    /** The number's latest session ended within the window, when the caller has read it (null: none). */
    known?: SessionRow | null,
  ): Promise<'handled' | 'pass'> {
    const { trx } = tools;
    const ended: SessionRow | undefined =
      known === undefined
        ? await trx('survey_sessions').where('number', message.sender).whereIn('state', LATE_STATES).where('ended_at', '>', now - LATE_WINDOW_MS).orderBy('id', 'desc').first()
        : (known ?? undefined);
    if (!ended || ended.ended_at === null) return 'pass';
    const questions = await this.questionsOf(trx, ended.survey_id);
    const awaited = questions[Math.min(Number(ended.position), questions.length - 1)];
    // Free text reads as anything: a keyword (积分, 促销) after an expired free-text question belongs to the other services.
    if (!awaited || awaited.kind === 'text' || !parseAnswer(awaited, message.text).ok) return 'pass';
    await trx('survey_sessions').where({ id: ended.id }).increment('late_answers', 1);
    if (Number(ended.late_answers) === 0 && tools.mayAutoAnswer) {
      const [, month, day] = localDate(await this.deps.timeZone(), Number(ended.ended_at)).split('-');
      const endedOn = `${Number(month)}月${Number(day)}日`;
      await tools.autoReply(lateText(endedOn), 'survey-late');
    }
    this.deps.events.publish('surveys.changed', { id: Number(ended.survey_id), reason: 'answer' }, 'surveys.read');
    return 'handled';
  }

  /** Ends the sessions whose time ran out (the handler also treats them as ended when their number writes first). */
  async expireDue(): Promise<number> {
    const now = this.deps.clock.now();
    const due: Array<{ survey_id: number }> = await this.deps.db('survey_sessions').distinct('survey_id').whereIn('state', OPEN_SESSION_STATES).where('expires_at', '<=', now);
    if (due.length === 0) return 0;
    const changed = await this.deps.db('survey_sessions')
      .whereIn('state', OPEN_SESSION_STATES)
      .where('expires_at', '<=', now)
      .update({ state: 'expired', ended_at: this.deps.db.ref('expires_at') });
    for (const row of due) this.deps.events.publish('surveys.changed', { id: Number(row.survey_id), reason: 'expire' }, 'surveys.read');
    return Number(changed);
  }
}
