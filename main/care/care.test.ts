import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditActor } from '../auth/audit.js';
import { ManualClock } from '../clock.js';
import { createTestAppliance, type TestAppliance } from '../../tests/support/appliance.js';
import type { Automation } from './automations.js';
import { Care } from './care.js';
import { lunarDateOf } from './dates.js';

/**
 * Member care on a real SQLite appliance with a manual clock: the daily
 * evaluation queues each occasion once per member (consent, blacklist and
 * opt-out applied), however often it runs, after a stop mid-run and after the
 * clock goes back; the preview says who would get what; invitation replies
 * sign members up.
 */
const MANAGER: AuditActor = { userId: null, username: 'manager-li', ip: '127.0.0.1' };
// 2027-02-04 08:30 in Shanghai (UTC+8). 春节 2027 is 02-06, 除夕 02-05.
const START = Date.UTC(2027, 1, 4, 0, 30);
const HOUR = 3_600_000;
const lunarCode = (date: string) => {
  const l = lunarDateOf(date);
  return `${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')}`;
};

describe('care automations', () => {
  let app: TestAppliance;
  let clock: ManualClock;
  let care: Care;
  const ids: Record<string, number> = {};
  const byKind = async (kind: string, festival?: string): Promise<Automation> => {
    const all = await care.list();
    return all.find((a) => a.kind === kind && (festival === undefined || (a.settings.kind === 'holiday' && a.settings.festival === festival)))!;
  };
  const careRows = async () =>
    (await app.services.db('outbox_messages').where('source', 'care').orderBy('id').select('idempotency_key', 'recipient', 'status', 'text', 'member_id')) as Array<{
      idempotency_key: string;
      recipient: string;
      status: string;
      text: string;
      member_id: number;
    }>;

  beforeAll(async () => {
    clock = new ManualClock(START);
    app = await createTestAppliance({ clock });
    care = app.services.care;
    const members: Array<[string, string, boolean, boolean, number]> = [
      // name, birthday, lunar, consent, points
      ['张伟', '1985-02-04', false, true, 200],
      ['李娜', `1970-${lunarCode('2027-02-04')}`, true, true, 1500],
      ['王芳', '1990-02-04', false, false, 3000],
      ['刘洋', '1988-02-04', false, true, 10],
      ['陈静', '1992-07-01', false, true, 1200],
    ];
    let n = 0;
    for (const [name, birthday, lunar, consent, points] of members) {
      n += 1;
      const [row] = (await app.services
        .db('members')
        .insert({
          source: 'manual',
          name,
          gender: 'F',
          birthday,
          birthday_lunar: lunar,
          birth_month: Number(birthday.slice(5, 7)),
          birth_day: Number(birthday.slice(8, 10)),
          mobile: `+8613900000${String(n).padStart(3, '0')}`,
          marketing_consent: consent,
          points,
          created_at: 0,
          updated_at: 0,
        })
        .returning('id')) as Array<{ id: number }>;
      ids[name] = Number(row!.id);
    }
    // 刘洋 has unsubscribed from marketing (as TD would).
    await app.services.lists.add(MANAGER, 'black', { mobile: '13900000004', scope: 'marketing', reason: '不想收' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('seeds every occasion switched off, and knows the year’s festivals and the store’s dates', async () => {
    const all = await care.list();
    expect(all.every((a) => !a.enabled)).toBe(true);
    expect(new Set(all.map((a) => a.kind))).toEqual(new Set(['birthday', 'holiday', 'date', 'points', 'invitation', 'welcome', 'winback']));
    const holidays = care.holidays(2027);
    expect(holidays.find((h) => h.key === 'spring-festival')?.date).toBe('2027-02-06');
    expect(holidays.find((h) => h.key === 'spring-festival-eve')?.date).toBe('2027-02-05');
    expect(holidays.find((h) => h.key === 'mid-autumn')?.date).toBe('2027-09-15');
    expect(holidays.find((h) => h.name === '店庆')?.date).toBe('2027-09-18');
  });

  it('previews tomorrow without sending: who, and who is left out', async () => {
    const festival = await byKind('holiday', 'spring-festival');
    await care.setEnabled(MANAGER, festival.id, true);
    const preview = await care.preview('2027-02-05');
    const item = preview.items.find((i) => i.automationId === festival.id)!;
    expect(item.occasionDate).toBe('2027-02-06');
    // No consent (王芳) is not in the audience; 刘洋 opted out.
    expect(item.members.map((m) => m.name).sort()).toEqual(['张伟', '李娜', '陈静'].sort());
    expect(item.count).toBe(3);
    expect(item.blocked).toBe(1);
    expect(item.members[0]!.mobile).toMatch(/^139\*{4}\d{4}$/);
    expect(item.members.find((m) => m.name === '李娜')?.lunarBirthday).toBe(true);
    expect(await careRows()).toEqual([]);
  });

  it('sends the birthday greeting once, at the send time, to solar and lunar birthdays alike', async () => {
    const birthday = await byKind('birthday');
    await care.setEnabled(MANAGER, birthday.id, true);
    expect(await care.tick()).toEqual([]); // 08:30: before the 09:00 send time
    clock.advance(HOUR);
    const progress: Array<{ done: number; total: number | null; state: string }> = [];
    const off = app.services.events.onDidPublish((event) => {
      if (event.type === 'job.progress' && (event.data as { kind: string }).kind === 'care.run') progress.push(event.data as (typeof progress)[number]);
    });
    const runs = await care.tick();
    off();
    expect(progress.at(-1)).toMatchObject({ done: 3, total: 3, state: 'finished' });
    const run = runs.find((r) => r.batchId === `care:${birthday.id}:2027-02-04`)!;
    expect(run).toMatchObject({ state: 'done', queued: 2, blocked: 1, sendDay: '2027-02-04' });
    const rows = (await careRows()).filter((r) => r.idempotency_key.startsWith(`care:${birthday.id}:`));
    const queued = rows.filter((r) => r.status === 'queued');
    expect(queued.map((r) => r.member_id).sort()).toEqual([ids['张伟'], ids['李娜']].sort());
    expect(queued.every((r) => r.text.includes('生日快乐'))).toBe(true);
    // The opted-out member's text is a blocked row under the same key: never retried, shown in the sent log.
    expect(rows.filter((r) => r.status === 'blocked').map((r) => r.member_id)).toEqual([ids['刘洋']]);
    expect(rows.map((r) => r.idempotency_key)).toContain(`care:${birthday.id}:${ids['李娜']}:2027-02-04`);
    // The audit says who switched it on.
    const audit = (await app.services.db('audit_log').where('action', 'care.automation.enable').select('target', 'username')) as Array<{ target: string; username: string }>;
    expect(audit).toContainEqual(expect.objectContaining({ target: String(birthday.id), username: 'manager-li' }));
  });

  it('never sends an occasion twice: re-runs, a stop mid-run, the clock going back', async () => {
    const birthday = await byKind('birthday');
    const before = (await careRows()).length;
    expect(await care.tick()).toEqual([]);
    const again = await care.runDay(birthday.id, '2027-02-04');
    expect(again).toMatchObject({ queued: 2, blocked: 1, duplicates: 0 }); // the first run's, nothing new: who has it is not even read again
    // A stop mid-run leaves the run 'running'; a new service (a restart) finishes it.
    await app.services.db('care_runs').where({ automation_id: birthday.id, send_day: '2027-02-04' }).update({ state: 'running', finished_at: null });
    const restarted = new Care({ ...careDeps(app), clock });
    const resumed = await restarted.tick();
    expect(resumed.map((r) => r.state)).toContain('done');
    // The clock goes back a day: yesterday is not run (it is before the automation was switched on, and before its latest run).
    clock.advance(-24 * HOUR);
    expect(await care.tick()).toEqual([]);
    clock.advance(24 * HOUR);
    expect((await careRows()).length).toBe(before);
  });

  it('sends a festival greeting on its lead day, and not late', async () => {
    const festival = await byKind('holiday', 'spring-festival');
    clock.set(Date.UTC(2027, 1, 5, 1, 5)); // 02-05 09:05
    const runs = await care.tick();
    expect(runs.find((r) => r.batchId === `care:${festival.id}:2027-02-05`)).toMatchObject({ occasionDate: '2027-02-06', queued: 3, blocked: 1 });
    // Switched on later, after its day, a greeting is not sent late.
    const lantern = await byKind('holiday', 'lantern');
    clock.set(Date.UTC(2027, 1, 21, 3, 0)); // 02-21, the day after 元宵 (02-20)
    await care.setEnabled(MANAGER, lantern.id, true);
    expect((await care.tick()).filter((r) => r.batchId.startsWith(`care:${lantern.id}:`))).toEqual([]);
    await care.setEnabled(MANAGER, lantern.id, false);
  });

  it('reminds of points at most once per member per period', async () => {
    const points = await byKind('points');
    clock.set(Date.UTC(2027, 1, 22, 1, 30)); // 02-22 09:30
    await care.setEnabled(MANAGER, points.id, true);
    const first = (await care.tick()).find((r) => r.batchId.startsWith(`care:${points.id}:`))!;
    expect(first).toMatchObject({ occasionDate: '2027-01-01', queued: 2 }); // 李娜 1500, 陈静 1200; 王芳 has no consent
    clock.advance(24 * HOUR);
    const second = (await care.tick()).find((r) => r.batchId.startsWith(`care:${points.id}:`))!;
    expect(second).toMatchObject({ occasionDate: '2027-01-01', queued: 0 });
    expect((await careRows()).filter((r) => r.idempotency_key.startsWith(`care:${points.id}:`))).toHaveLength(2);
    // A new quarter is a new period.
    const april = await care.preview('2027-04-01', { automationId: points.id });
    expect(april.items[0]).toMatchObject({ occasionDate: '2027-04-01', count: 2, alreadySent: 0 });
    await care.setEnabled(MANAGER, points.id, false);
  });

  it('invites, and counts, lists and exports the replies that sign up (回复1报名)', async () => {
    const invitation = await byKind('invitation');
    await expect(care.setEnabled(MANAGER, invitation.id, true)).rejects.toMatchObject({ code: 'CARE_INVITATION_NEEDS_DATE' });
    await care.update(MANAGER, invitation.id, {
      kind: 'invitation',
      name: invitation.name,
      text: invitation.text,
      sendTime: '09:00',
      leadDays: 3,
      audience: { genders: ['F'] },
      settings: { ...invitation.settings, eventDate: '2027-03-01', capacity: 1 },
    });
    await care.setEnabled(MANAGER, invitation.id, true);
    clock.set(Date.UTC(2027, 1, 26, 1, 0)); // 02-26 09:00, three days before
    const run = (await care.tick()).find((r) => r.batchId.startsWith(`care:${invitation.id}:`))!;
    expect(run).toMatchObject({ occasionDate: '2027-03-01', queued: 3 });
    // The simulator would hand them to the phones; here they are marked sent as the dispatcher does.
    await app.services.db('outbox_messages').where('batch_id', run.batchId).update({ status: 'sent' });
    const inbox = app.services.messaging.inbox;
    const reply = async (number: string, text: string) => {
      const stored = await inbox.write({ modemId: 'sim-1', sender: number, text });
      return inbox.process(stored.id);
    };
    expect(await reply('+8613900000001', '１')).toBe('invitation');
    expect(await reply('+8613900000001', '1')).toBe('invitation'); // again: not counted twice
    expect(await reply('+8613900000002', '报名')).toBe('invitation'); // past the one place: full
    expect(await reply('+8613900000099', '1')).not.toBe('invitation'); // never invited
    const list = await care.rsvps(invitation.id);
    expect(list).toMatchObject({ accepted: 1, full: 1, capacity: 1, occasionDate: '2027-03-01' });
    expect(list.items.map((r) => [r.name, r.state])).toEqual([
      ['张伟', 'accepted'],
      ['李娜', 'full'],
    ]);
    const answers = (await app.services.db('outbox_messages').where('recipient', '+8613900000001').where('category', 'reply').select('text')) as Array<{ text: string }>;
    expect(answers.some((a) => a.text.includes('报名成功'))).toBe(true);
    const exported = await care.exportRsvps(MANAGER, invitation.id);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(exported.content as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.getRow(2).getCell(1).value).toBe('张伟');
    expect(sheet.getRow(2).getCell(2).value).toBe('13900000001');
    expect(sheet.rowCount).toBe(3);
    await expect(care.remove(MANAGER, invitation.id)).rejects.toMatchObject({ code: 'CARE_HAS_REPLIES' });
  });

  it('reminds before points expire by the store’s one rule: the POS’s own date first, then the rule; says how many and when', async () => {
    const points = await byKind('points');
    await app.services.db('members').where('id', ids['陈静']).update({ points_expire_on: '2027-03-10', points_expiring: 700 });
    await care.update(MANAGER, points.id, {
      kind: 'points',
      name: points.name,
      text: '{称呼}：您有{到期积分}分积分将于{到期日期}到期',
      sendTime: '09:00',
      leadDays: 7,
      audience: {},
      settings: { mode: 'expiry', minPoints: 500 },
    });
    const who = async (day: string) => (await care.preview(day, { automationId: points.id })).items[0]?.members.map((m) => m.name).sort() ?? [];
    // No rule yet (never): only the member the POS gives a date of her own.
    expect((await care.pointsExpiry()).rule).toBe('never');
    expect(await who('2027-03-03')).toEqual(['陈静']);
    expect(await who('2027-03-24')).toEqual([]);
    await care.setPointsExpiry(MANAGER, { rule: 'annual', month: 3, day: 31, months: 12, usePosDate: true });
    expect(await care.pointsExpiry()).toMatchObject({ rule: 'annual', nextDate: '2027-03-31', posDates: 1 });
    // By 03-31 陈静's own date has passed: the rule covers her too.
    expect(await who('2027-03-24')).toEqual(['李娜', '陈静']);

    await care.setEnabled(MANAGER, points.id, true);
    clock.set(Date.UTC(2027, 2, 3, 1, 30)); // 03-03 09:30
    // Any day can be a POS date: the days caught up since it was switched on run too, each for its own date.
    const run = (await care.tick()).find((r) => r.batchId === `care:${points.id}:2027-03-03`)!;
    expect(run).toMatchObject({ occasionDate: '2027-03-10', queued: 1 });
    const [sent] = (await careRows()).filter((r) => r.idempotency_key === `care:${points.id}:${ids['陈静']}:2027-03-10`);
    expect(sent?.text).toContain('您有700分积分将于3月10日到期');

    // Rolling, 12 months: 李娜 earned 1000 of her 1500 points in January, so 500 expire at the end of March.
    await app.services.db('sales').insert({ receipt_no: 'CARE-EXP-1', member_id: ids['李娜'], sold_at: Date.UTC(2027, 0, 15, 4), total_cents: 100_000, points: 1000, updated_at: 0 });
    await care.setPointsExpiry(MANAGER, { rule: 'rolling', month: 12, day: 31, months: 12, usePosDate: true });
    clock.set(Date.UTC(2027, 2, 24, 1, 30)); // 03-24 09:30, a week before the month ends
    await care.tick();
    const texts = new Map((await careRows()).filter((r) => r.idempotency_key.endsWith(':2027-03-31')).map((r) => [r.member_id, r.text]));
    expect(texts.get(ids['李娜']!)).toContain('您有500分积分将于3月31日到期');
    expect(texts.get(ids['陈静']!)).toContain('您有1200分积分将于3月31日到期');
    // The day run again: nothing twice.
    await care.runDay(points.id, '2027-03-24');
    expect((await care.preview('2027-03-24', { automationId: points.id })).items[0]).toMatchObject({ count: 0, alreadySent: 2 });
    await care.setEnabled(MANAGER, points.id, false);
    await care.setPointsExpiry(MANAGER, { rule: 'never', month: 12, day: 31, months: 12, usePosDate: true });
  });

  it('wins back each member once, on the day their absence reaches N days', async () => {
    const winback = await byKind('winback');
    const shanghaiNoon = (date: string) => Date.parse(`${date}T04:00:00Z`);
    for (const [name, last] of [
      ['赵雷', '2027-03-10'],
      ['孙丽', '2027-03-11'],
    ] as const) {
      const [row] = (await app.services.db('members').insert({ source: 'manual', name, gender: 'M', mobile: `+86139000001${name === '赵雷' ? '01' : '02'}`, last_purchase_at: shanghaiNoon(last), created_at: 0, updated_at: 0 }).returning('id')) as Array<{ id: number }>;
      ids[name] = Number(row!.id);
    }
    clock.set(Date.UTC(2027, 5, 8, 2, 30)); // 06-08 10:30, the winback send time is 10:00; 03-10 + 90 days
    await care.setEnabled(MANAGER, winback.id, true);
    const rowsOf = async () => (await careRows()).filter((r) => r.idempotency_key.startsWith(`care:${winback.id}:`)).map((r) => r.idempotency_key);
    await care.tick();
    expect(await rowsOf()).toEqual([`care:${winback.id}:${ids['赵雷']}:2027-06-08`]);
    clock.advance(24 * HOUR);
    await care.tick();
    expect(await rowsOf()).toEqual([`care:${winback.id}:${ids['赵雷']}:2027-06-08`, `care:${winback.id}:${ids['孙丽']}:2027-06-09`]);
    // Run again for the same day: nothing twice.
    await care.runDay(winback.id, '2027-06-09');
    expect(await rowsOf()).toHaveLength(2);
    await care.setEnabled(MANAGER, winback.id, false);
  });

  it('gives the campaigns calendar its occurrences', async () => {
    const birthday = await byKind('birthday');
    const occurrences = await care.occurrences('2027-07-01', '2027-07-02');
    expect(occurrences).toContainEqual({ date: '2027-07-01', automationId: birthday.id, name: birthday.name, kind: 'birthday', count: 1 });
    await expect(care.occurrences('2027-07-02', '2027-07-01')).rejects.toMatchObject({ code: 'CARE_DATE_INVALID' });
  });
});

function careDeps(app: TestAppliance) {
  const s = app.services;
  return { db: s.db, audit: s.audit, events: s.events, logger: s.logger, settings: s.settings, messaging: s.messaging, lists: s.lists };
}
