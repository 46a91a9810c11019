import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../auth/audit.js';
import { actor, openMessagingCore, type MessagingCore } from '../messaging/outbox/testing.js';
import { startStandaloneSimulator, type StandaloneSimulator } from '../modem/sim/standalone.js';
import { tempPtyDir } from '../../tests/support/pty.js';
import { NetworkTexts, until } from '../../tests/support/sim-replies.js';
import type { Survey } from './types.js';

/**
 * A survey end to end through the real serial path: 200 members invited through the outbox
 * and the real driver to a modem simulator on a PTY; their answers come back from the
 * simulated network as SMS-DELIVER PDUs — clean, with extra words, in full-width characters,
 * unreadable (one re-prompt), twice unreadable (skipped), TD in the middle, a newer survey
 * over an unfinished one, silence and answers after the timeout. The statistics must equal
 * what this test computes itself from the answers it sent.
 */
const MEMBERS = 200;
const HOUR = 3_600_000;
let t: MessagingCore;
let sim: StandaloneSimulator;
let ptyDir: { dir: string; dispose(): Promise<void> };
let texts: NetworkTexts;
const services = () => t.core.services;

beforeAll(async () => {
  t = await openMessagingCore();
  ptyDir = await tempPtyDir();
  const link = path.join(ptyDir.dir, 'ttySIM0');
  // No simulated latency and no pacing gap: the modem's own pace is not what this test is about.
  sim = await startStandaloneSimulator({ link, modem: { latency: 'zero', statusReports: { delayMs: [3_600_000, 3_600_000] } } });
  texts = new NetworkTexts(sim);
  const pool = services().modems;
  await pool.add({ name: '短信猫 1', kind: 'serial', portPath: link, limits: { minGapMs: 0, perHour: 10_000, perDay: 10_000 } }, SYSTEM_ACTOR);
  await pool.start();
  await until(async () => ((await pool.list()).some((m) => m.status?.state === 'ready') ? true : undefined), 30_000);
  await services().messaging.start(pool);
}, 60_000);

afterAll(async () => {
  texts.close();
  await services().messaging.stop();
  await services().modems.stop();
  await sim.stop();
  await ptyDir.dispose();
  await t.close();
});

// ---- what the customers do --------------------------------------------------------------

/** What a member's answers mean: the test's own record, from which it computes the statistics. */
interface Intended {
  /** 0–10 */
  recommend?: number;
  /** 0–3, or skipped after two unreadable answers */
  reason?: number | 'skipped';
  comeBack?: boolean;
}

/** One text from the customer and what the answer to it must contain (null: no answer at all). */
interface Step {
  text: string;
  reply: string | null;
}

const REASONS = ['价格实惠', '商品新鲜', '离家近', '服务好'];
const LETTERS = ['A', 'B', 'C', 'D'];
const THANKS = '问卷已完成，感谢您的参与！完成送50积分将在您到店时兑现。';

/** Full-width forms, as Chinese input methods type them. */
const wide = (text: string) => text.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const rnd = random(20261206);
const pick = <T,>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;

const asked = (n: number) => `第${n}题/共3题`;
const recommendText = (v: number, noisy: boolean) => (noisy ? pick([`我选${v}，谢谢`, `${wide(String(v))}分`, `打${v}分吧`]) : String(v));
const reasonText = (i: number, noisy: boolean) => (noisy ? pick([`我选${i + 1}，谢谢`, `${wide(LETTERS[i]!)}吧`, `选${wide(String(i + 1))}`, LETTERS[i]!.toLowerCase()]) : pick([LETTERS[i]!, String(i + 1)]));
const comeBackText = (yes: boolean, noisy: boolean) => (noisy ? (yes ? pick(['是的', '１', '会的']) : pick(['不会', '２', '不是'])) : yes ? '1' : '2');
const UNREADABLE = [
  ['不知道', '11', '3还是4'], // the 0–10 question: no number, out of range, two numbers
  ['不知道', '都不是', 'F'], // the choice: no option, none of the words, a letter past D
  ['随便', '看情况', '再说吧'], // yes/no
] as const;

type Kind = 'clean' | 'noisy' | 'reprompted' | 'skipped' | 'partial' | 'silent' | 'td' | 'newer';

interface Customer {
  number: string;
  memberId: number;
  kind: Kind;
  intended: Intended;
  /** Before the newer survey goes out. */
  answers: Step[];
  /** Re-prompts this customer must get: one per question first answered unreadably. */
  reprompts: number;
  /** After the timeout: not recorded, told once. */
  late: Step[];
  /** Texts sent so far. */
  sent: number;
}

function script(kind: Kind, number: string, memberId: number): Customer {
  const intended: Intended = {};
  const answers: Step[] = [];
  const late: Step[] = [];
  let reprompts = 0;
  const noisy = kind === 'noisy' || rnd() < 0.3;
  const recommend = Math.floor(rnd() * 11);
  const reason = Math.floor(rnd() * 4);
  const comeBack = rnd() < 0.7;
  const answerFirst = () => {
    intended.recommend = recommend;
    answers.push({ text: recommendText(recommend, noisy), reply: asked(2) });
  };
  switch (kind) {
    case 'clean':
    case 'noisy':
      answerFirst();
      intended.reason = reason;
      answers.push({ text: reasonText(reason, noisy), reply: asked(3) });
      intended.comeBack = comeBack;
      answers.push({ text: comeBackText(comeBack, noisy), reply: THANKS });
      break;
    case 'reprompted': {
      // One unreadable answer to one of the three questions, then the right one.
      const wrong = Math.floor(rnd() * 3);
      const steps: Array<[string, string]> = [
        [recommendText(recommend, noisy), asked(2)],
        [reasonText(reason, noisy), asked(3)],
        [comeBackText(comeBack, noisy), THANKS],
      ];
      steps.forEach(([text, reply], q) => {
        if (q === wrong) answers.push({ text: pick(UNREADABLE[q]!), reply: `未能识别您的回复。${asked(q + 1)}` });
        answers.push({ text, reply });
      });
      Object.assign(intended, { recommend, reason, comeBack });
      reprompts = 1;
      break;
    }
    case 'skipped':
      answerFirst();
      answers.push({ text: pick(UNREADABLE[1]), reply: `未能识别您的回复。${asked(2)}` });
      answers.push({ text: pick(UNREADABLE[1]), reply: `第2题已跳过。${asked(3)}` });
      intended.reason = 'skipped';
      intended.comeBack = comeBack;
      answers.push({ text: comeBackText(comeBack, noisy), reply: `未能识别的题目已跳过。${THANKS}` });
      reprompts = 1;
      break;
    case 'partial':
      answerFirst();
      late.push({ text: LETTERS[reason]!, reply: '您的回复未计入' });
      break;
    case 'silent':
      break;
    case 'td':
      answerFirst();
      answers.push({ text: pick(['TD', '退订', 'td']), reply: '您已退订本店营销及关怀短信' });
      break;
    case 'newer':
      answerFirst();
      break;
  }
  return { number, memberId, kind, intended, answers, reprompts, late, sent: 0 };
}

const PLAN: Array<[Kind, number]> = [
  ['clean', 70],
  ['noisy', 40],
  ['reprompted', 20],
  ['skipped', 10],
  ['partial', 15],
  ['silent', 25],
  ['td', 10],
  ['newer', 10],
];

/** Sends the customer's texts one after another, each after the answer to the one before. */
async function converse(customer: Customer, steps: Step[]): Promise<void> {
  for (const step of steps) {
    const before = texts.to(customer.number).length;
    const outboxBefore = await outboxCount(customer.number);
    // The network stamps each text (SCTS, in seconds); a person takes longer than a second to answer. Two
    // identical texts with one stamp would be the same SMS read twice, which the driver rightly drops.
    customer.sent += 1;
    sim.modem.injectInbound({ from: customer.number, text: step.text, at: t.clock.now() + customer.sent * 1_000 });
    if (step.reply === null) {
      await until(async () => ((await services().db('inbox_messages').where({ sender: customer.number, text: step.text }).whereNotNull('processed_at').first()) as unknown) ?? undefined, 60_000);
      expect(await outboxCount(customer.number), `${customer.number} "${step.text}" is answered`).toBe(outboxBefore);
      continue;
    }
    const reply = await texts.next(customer.number, before).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\n${await history(customer.number)}`);
    });
    expect(reply, `${customer.kind} ${customer.number} texted "${step.text}"`).toContain(step.reply);
  }
}

/** What StoreMAS holds for a number, for a failure's message. */
async function history(number: string): Promise<string> {
  const inbound = await services().db('inbox_messages').where('sender', number).orderBy('id').select('id', 'text', 'received_at', 'processed_at', 'handled_by_rule');
  const outbound = await services().db('outbox_messages').where('recipient', number).orderBy('id').select('id', 'text', 'status', 'blocked_rule', 'category');
  const sessions = await services().db('survey_sessions').where('number', number).orderBy('id');
  return JSON.stringify({ inbound, outbound, sessions, network: texts.to(number) }, null, 1);
}

async function outboxCount(number: string): Promise<number> {
  const row = (await services().db('outbox_messages').where('recipient', number).count({ n: '*' }).first()) as { n: number | string };
  return Number(row.n);
}

// ---- what the statistics must say, computed here --------------------------------------

function expectedQuestions(customers: Customer[]) {
  const recommend = customers.map((c) => c.intended.recommend).filter((v): v is number => v !== undefined);
  const reasons = customers.map((c) => c.intended.reason).filter((v) => v !== undefined);
  const comeBack = customers.map((c) => c.intended.comeBack).filter((v): v is boolean => v !== undefined);
  const promoters = recommend.filter((v) => v >= 9).length;
  const detractors = recommend.filter((v) => v <= 6).length;
  return {
    recommend: {
      answered: recommend.length,
      skipped: 0,
      distribution: Array.from({ length: 11 }, (_, v) => recommend.filter((x) => x === v).length),
      mean: recommend.reduce((a, b) => a + b, 0) / recommend.length,
      nps: { promoters, passives: recommend.length - promoters - detractors, detractors, score: ((promoters - detractors) / recommend.length) * 100 },
    },
    reason: {
      answered: reasons.filter((r) => r !== 'skipped').length,
      skipped: reasons.filter((r) => r === 'skipped').length,
      distribution: REASONS.map((_, i) => reasons.filter((r) => r === i).length),
    },
    comeBack: { answered: comeBack.length, skipped: 0, yes: comeBack.filter(Boolean).length, no: comeBack.filter((v) => !v).length },
  };
}

describe('a 3-question survey to 200 members through the modem simulator on a PTY', { timeout: 240_000 }, () => {
  let survey: Survey;
  let newer: Survey;
  const customers: Customer[] = [];
  const invitationsOf = (number: string, intro: string) => texts.to(number).filter((text) => text.includes(intro)).length;

  it('invites every member once through the outbox and the modem', async () => {
    let index = 0;
    for (const [kind, count] of PLAN) {
      for (let i = 0; i < count; i++, index++) {
        const number = `+86139${String(20_000_000 + index)}`;
        const [id] = await services().db('members')
          .insert({ source: 'manual', source_key: `survey-${index}`, name: `会员${index}`, gender: index % 2 ? 'F' : 'M', mobile: number, points: 0, marketing_consent: true, created_at: t.clock.now(), updated_at: t.clock.now() })
          .returning('id');
        customers.push(script(kind, number, Number(typeof id === 'object' ? (id as { id: number }).id : id)));
      }
    }
    expect(customers).toHaveLength(MEMBERS);

    survey = await services().surveys.create(actor, {
      title: '门店满意度（12月）',
      intro: '{称呼}您好，好又多邀您参加3题满意度调查。',
      mode: 'sequential',
      timeoutHours: 48,
      incentive: '完成送50积分',
      thanks: '',
      questions: [
        { kind: 'rating', text: '您向亲友推荐本店的可能性有多大', scale: '0-10' },
        { kind: 'choice', text: '您选择本店的主要原因', options: REASONS },
        { kind: 'yes-no', text: '您会继续在本店购物吗' },
      ],
    });
    const invited = await services().surveys.inviteToSurvey(survey.id, { filter: {} }, actor);
    expect(invited).toMatchObject({ dryRun: false, total: MEMBERS, queued: MEMBERS, duplicates: 0, supersedes: 0 });
    // Inviting again invites nobody twice.
    expect(await services().surveys.inviteToSurvey(survey.id, { filter: {} }, actor)).toMatchObject({ queued: 0, duplicates: MEMBERS });

    await texts.until(() => (customers.every((c) => texts.to(c.number).length >= 1) ? true : undefined), 120_000, () => `${customers.filter((c) => texts.to(c.number).length === 0).length} members still wait for their invitation`);
    for (const c of customers) {
      const [invitation] = texts.to(c.number);
      expect(invitation).toContain('好又多邀您参加3题满意度调查。完成送50积分。第1题/共3题：您向亲友推荐本店的可能性有多大？回复0-10');
    }
  });

  it('takes the answers as people write them: re-prompts once, skips after a second miss, TD opts out', async () => {
    await Promise.all(customers.map((c) => converse(c, c.answers)));
    const optedOut = customers.filter((c) => c.kind === 'td');
    for (const c of optedOut) expect((await services().lists.statusOf(c.number)).blacklist).toMatchObject({ source: 'opt-out' });
  });

  it('a newer survey over an unfinished one: the most recent wins and its first reply says so; opted-out numbers are not invited', async () => {
    newer = await services().surveys.create(actor, {
      title: '生鲜区满意度',
      intro: '好又多生鲜区已焕新开业。',
      mode: 'sequential',
      timeoutHours: 48,
      incentive: '',
      thanks: '感谢您对生鲜区的评价！',
      questions: [{ kind: 'rating', text: '您对新生鲜区满意吗', scale: '1-5' }],
    });
    const targets = customers.filter((c) => c.kind === 'newer' || c.kind === 'td');
    const invited = await services().surveys.inviteToSurvey(newer.id, targets.map((c) => c.memberId), actor);
    expect(invited).toMatchObject({ total: 20, queued: 10, supersedes: 10, blocked: { 'opt-out': 10 } });
    const newerOnes = customers.filter((c) => c.kind === 'newer');
    await texts.until(() => (newerOnes.every((c) => invitationsOf(c.number, '生鲜区已焕新开业') === 1) ? true : undefined));

    await Promise.all(
      newerOnes.map((c, i) => {
        const score = (i % 5) + 1;
        return converse(c, [{ text: i % 2 ? wide(String(score)) : `${score}分`, reply: `您之前未完成的问卷已结束，本条回复计入最新的问卷。感谢您对生鲜区的评价！` }]);
      }),
    );
    const stats = await services().surveys.statistics(newer.id);
    expect(stats.totals).toMatchObject({ invited: 10, reached: 10, responded: 10, completed: 10 });
    expect(stats.questions[0]!.distribution.map((d) => d.count)).toEqual([2, 2, 2, 2, 2]);
    expect(stats.questions[0]!.mean).toBe(3);
  });

  it('after the timeout, sessions expire; a late answer is told once that it does not count', async () => {
    t.clock.advance(49 * HOUR);
    expect(await services().surveys.sessions.expireDue()).toBe(customers.filter((c) => c.kind === 'partial' || c.kind === 'silent').length);
    const silent = customers.filter((c) => c.kind === 'silent').slice(0, 10);
    for (const c of silent) c.late.push({ text: wide('8'), reply: '您的回复未计入' });
    // A second late answer from the same number is counted, not answered again.
    const twice = customers.find((c) => c.kind === 'partial')!;
    twice.late.push({ text: '选C', reply: null });
    await Promise.all(customers.filter((c) => c.late.length > 0).map((c) => converse(c, c.late)));
  });

  it('the statistics equal what was answered', async () => {
    const stats = await services().surveys.statistics(survey.id);
    const count = (...kinds: Kind[]) => customers.filter((c) => kinds.includes(c.kind)).length;
    const responded = count('clean', 'noisy', 'reprompted', 'skipped', 'partial', 'td', 'newer');
    const completed = count('clean', 'noisy', 'reprompted', 'skipped');
    const late = customers.reduce((sum, c) => sum + c.late.length, 0);
    expect(stats.totals).toEqual({
      invited: MEMBERS,
      reached: MEMBERS,
      responded,
      completed,
      answering: 0,
      expired: count('partial', 'silent'),
      optedOut: count('td'),
      superseded: count('newer'),
      closed: 0,
      lateAnswers: late,
    });
    expect(stats.responseRate).toBe(responded / MEMBERS);
    expect(stats.completionRate).toBe(completed / responded);

    const expected = expectedQuestions(customers);
    const [recommend, reason, comeBack] = stats.questions;
    expect(recommend).toMatchObject({ kind: 'rating', scale: '0-10', answered: expected.recommend.answered, skipped: 0 });
    expect(recommend!.distribution.map((d) => d.count)).toEqual(expected.recommend.distribution);
    expect(recommend!.mean).toBeCloseTo(expected.recommend.mean, 10);
    expect(recommend!.nps).toMatchObject({ promoters: expected.recommend.nps.promoters, passives: expected.recommend.nps.passives, detractors: expected.recommend.nps.detractors });
    expect(recommend!.nps!.score).toBeCloseTo(expected.recommend.nps.score, 10);
    expect(reason).toMatchObject({ kind: 'choice', answered: expected.reason.answered, skipped: expected.reason.skipped });
    expect(reason!.distribution.map((d) => [d.key, d.label, d.count])).toEqual(REASONS.map((label, i) => [LETTERS[i], label, expected.reason.distribution[i]]));
    expect(comeBack).toMatchObject({ kind: 'yes-no', answered: expected.comeBack.answered, skipped: 0 });
    expect(comeBack!.distribution.map((d) => d.count)).toEqual([expected.comeBack.yes, expected.comeBack.no]);
    expect(comeBack!.yesShare).toBeCloseTo(expected.comeBack.yes / expected.comeBack.answered, 10);
  });

  it('each member got one invitation, one re-prompt per unreadable answer, one answer per text — and nothing after TD', async () => {
    await until(async () => {
      const row = (await services().db('outbox_messages').whereIn('status', ['queued', 'sending']).count({ n: '*' }).first()) as { n: number | string };
      return Number(row.n) === 0 ? true : undefined;
    });
    const optOutConfirmation = (await services().settings.get('policy')).optOutConfirmation;
    for (const c of customers) {
      const received = texts.to(c.number);
      expect(invitationsOf(c.number, '邀您参加3题满意度调查'), c.number).toBe(1);
      expect(received.filter((text) => text.startsWith('未能识别您的回复')).length, c.number).toBe(c.reprompts);
      const newerInvitation = c.kind === 'newer' ? 1 : 0;
      const answered = [...c.answers, ...c.late].filter((s) => s.reply !== null).length + (c.kind === 'newer' ? 1 : 0);
      expect(received, `${c.kind} ${c.number}`).toHaveLength(1 + newerInvitation + answered);
      if (c.kind === 'td') {
        // The confirmation is the last thing this number was sent; the newer survey's invitation was held back.
        expect(received.at(-1)).toContain(optOutConfirmation);
        expect(invitationsOf(c.number, '生鲜区已焕新开业')).toBe(0);
      }
    }
    // Nothing went to a number outside the audience.
    const audience = new Set(customers.map((c) => c.number));
    expect(texts.numbers().filter((n) => !audience.has(n))).toEqual([]);
  });
});
