import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mailSettingsFor, startSmtpServer, type TestSmtpServer } from '../../tests/support/smtp.js';
import { actor, addMember, openMessagingCore, type MessagingCore } from '../messaging/outbox/testing.js';
import { feedbackKeyword, satisfactionScore } from './parse.js';
import { FEEDBACK_DEFAULTS } from './settings.js';

let t: MessagingCore;
let smtp: TestSmtpServer;
const services = () => t.core.services;
const feedback = () => t.core.services.feedback;
const CUSTOMER = '+8613900139401';

beforeEach(async () => {
  t = await openMessagingCore();
  smtp = await startSmtpServer({ password: 'pw' });
  await services().mail.updateSettings(actor, mailSettingsFor(smtp, 'pw', { recipients: { complaints: ['manager@example.com'], 'feedback-digest': ['owner@example.com'] } }));
});
afterEach(async () => {
  await smtp.close();
  await t.close();
});

let seq = 0;
async function textIn(sender: string, text: string): Promise<string | null> {
  seq += 1;
  const stored = await services().messaging.inbox.write({ modemId: 'm1', sender, text, key: `fb-${seq}` });
  return services().messaging.inbox.process(stored.id);
}

async function outboxTo(number: string): Promise<Array<{ text: string; category: string; automatic: number | boolean }>> {
  return services().db('outbox_messages').select('text', 'category', 'automatic').where('recipient', number).orderBy('id');
}

describe('parsing what a customer texts', () => {
  it('finds the feedback keyword at the start, whatever the width, case or script; Latin keywords stand alone', () => {
    expect(feedbackKeyword('投诉收银员态度差', FEEDBACK_DEFAULTS.keywords)).toMatchObject({ kind: 'complaint' });
    expect(feedbackKeyword('【投訴】排队太久', FEEDBACK_DEFAULTS.keywords)).toMatchObject({ kind: 'complaint' });
    expect(feedbackKeyword('ｔｓ 生鲜不新鲜', FEEDBACK_DEFAULTS.keywords)).toMatchObject({ kind: 'complaint' });
    expect(feedbackKeyword('建议多开收银台', FEEDBACK_DEFAULTS.keywords)).toMatchObject({ kind: 'suggestion' });
    expect(feedbackKeyword('TSINGTAO 有货吗', FEEDBACK_DEFAULTS.keywords)).toBeUndefined();
    expect(feedbackKeyword('我想投诉', FEEDBACK_DEFAULTS.keywords)).toBeUndefined();
  });

  it('reads a satisfaction score of 1 to 5 only', () => {
    expect(satisfactionScore('5')).toBe(5);
    expect(satisfactionScore('５分')).toBe(5);
    expect(satisfactionScore('四 还行')).toBe(4);
    expect(satisfactionScore('6')).toBeUndefined();
    expect(satisfactionScore('15')).toBeUndefined();
    expect(satisfactionScore('好的')).toBeUndefined();
  });
});

describe('a complaint by text', () => {
  it('inbound → ticket → acknowledgement with its number → mail to the managers → resolution text with the satisfaction question → score; overdue after the SLA', async () => {
    const memberId = await addMember(t.core, { mobile: CUSTOMER, name: '王芳', gender: 'F' });
    expect(await textIn(CUSTOMER, '投诉 生鲜区的鱼不新鲜，收银员态度也差')).toBe('feedback');

    const { items } = await feedback().list({ page: 1, pageSize: 10 });
    expect(items).toHaveLength(1);
    const ticket = items[0]!;
    expect(ticket).toMatchObject({ kind: 'complaint', state: 'new', mobile: CUSTOMER, memberId, memberName: '王芳', source: 'sms', overdue: false, dueAt: t.clock.now() + 24 * 3_600_000 });
    expect(ticket.number).toMatch(/^FK20261122-0001$/);

    // The acknowledgement answers the text (a reply: it bypasses the marketing policy).
    const [ack] = await outboxTo(CUSTOMER);
    expect(ack).toMatchObject({ category: 'reply' });
    expect(ack!.text).toContain(ticket.number);
    expect(ack!.text).toContain('24小时');

    // The forward to the "new complaints" recipients went through the queue, not the inbound chain.
    await services().mail.tick();
    const [forward] = await smtp.waitFor(1);
    expect(forward!.to).toEqual(['manager@example.com']);
    expect(forward!.subject).toContain(ticket.number);
    expect(forward!.html).toContain('生鲜区的鱼不新鲜');

    // A second text while it is open joins the ticket instead of opening another.
    expect(await textIn(CUSTOMER, '今天又去了，还是一样')).toBe('feedback');
    expect((await feedback().list({ page: 1, pageSize: 10 })).total).toBe(1);

    expect(await feedback().counts()).toEqual({ new: 1, overdue: 0, open: 1, newToday: 1, openByKind: { complaint: 1, suggestion: 0, praise: 0, question: 0 } });
    t.clock.advance(24 * 3_600_000 + 1);
    expect((await feedback().get(ticket.id)).overdue).toBe(true);
    expect(await feedback().counts()).toMatchObject({ new: 1, overdue: 1, open: 1, newToday: 0 }); // a day later
    expect((await feedback().list({ overdue: true, page: 1, pageSize: 10 })).total).toBe(1);

    await feedback().move(actor, ticket.id, 'in-progress');
    await feedback().addNote(actor, ticket.id, '已联系生鲜主管');
    await expect(feedback().resolve(actor, ticket.id, { resolution: '   ' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const resolved = await feedback().resolve(actor, ticket.id, { resolution: '已更换供应商并对收银员进行培训' });
    expect(resolved.ticket).toMatchObject({ state: 'resolved', overdue: false, satisfaction: { state: 'asked' } });
    const texts = await outboxTo(CUSTOMER);
    expect(texts.at(-1)).toMatchObject({ category: 'transactional' });
    expect(texts.at(-1)!.text).toContain('已更换供应商');
    expect(texts.at(-1)!.text).toContain('1-5');

    expect(await textIn(CUSTOMER, '4分')).toBe('feedback');
    expect((await feedback().get(ticket.id)).satisfaction).toMatchObject({ state: 'answered', score: 4 });
    const detail = await feedback().detail(ticket.id);
    expect(detail.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['created', 'mail', 'customer-text', 'state', 'note', 'resolved', 'satisfaction']));
    expect(detail.thread.filter((e) => e.direction === 'in').map((e) => e.text)).toEqual(expect.arrayContaining(['今天又去了，还是一样', '4分']));
    expect(await feedback().counts()).toMatchObject({ new: 0, overdue: 0, open: 0, openByKind: { complaint: 0 } });
    await expect(feedback().move(actor, ticket.id, 'in-progress')).resolves.toMatchObject({ state: 'in-progress' });
  });

  it('a mail server that is down holds nothing up: the long complaint is a ticket with its whole text, acknowledged; its mail waits and goes later', async () => {
    const port = smtp.port;
    await smtp.close();
    const long = `投诉 ${'上周在贵店买的冷冻水饺回家发现已经解冻又冻上，包装破损，'.repeat(12)}请给个说法。`;
    expect([...long].length).toBeGreaterThan(5 * 67); // longer than 5 parts
    expect(await textIn(CUSTOMER, long)).toBe('feedback');
    const [ticket] = (await feedback().list({ page: 1, pageSize: 1 })).items;
    expect(ticket!.text).toBe(long);
    expect((await outboxTo(CUSTOMER))[0]!.text).toContain(ticket!.number);

    await services().mail.tick();
    expect(await services().mail.status()).toMatchObject({ queued: 1, failing: 1, lastError: { code: 'MAIL_CONNECT_FAILED' } });

    smtp = await startSmtpServer({ password: 'pw', port });
    await services().mail.updateSettings(actor, { trusted: { kind: 'server', pem: smtp.certificate } });
    await services().mail.tick();
    const [forward] = await smtp.waitFor(1);
    expect(forward!.html).toContain('请给个说法');
  });

  it('a customer who is no member and a text without a keyword open nothing; staff turn the conversation into a ticket', async () => {
    expect(await textIn('+8613900139402', '你们几点关门')).toBeNull();
    expect((await feedback().list({ page: 1, pageSize: 10 })).total).toBe(0);
    const conversation = await services().db('conversations').where('number', '+8613900139402').first();
    const ticket = await feedback().create(actor, { conversationId: Number(conversation.id), kind: 'question' });
    expect(ticket).toMatchObject({ kind: 'question', source: 'ui', text: '你们几点关门', memberId: null });
    await expect(feedback().create(actor, { conversationId: Number(conversation.id), kind: 'question' })).rejects.toMatchObject({ code: 'FEEDBACK_TICKET_OPEN' });
    expect((await outboxTo('+8613900139402')).at(-1)!.text).toContain(ticket.number);
    // Questions are not forwarded by mail (only the kinds the settings name).
    await services().mail.tick();
    expect(smtp.mails).toHaveLength(0);
  });

  it('a complaint puts the number on the marketing blacklist in one click: consent withdrawn and recorded, replies still allowed', async () => {
    const memberId = await addMember(t.core, { mobile: CUSTOMER, name: '李雷' });
    await textIn(CUSTOMER, 'TS 买到过期牛奶');
    const [ticket] = (await feedback().list({ page: 1, pageSize: 1 })).items;
    const result = await feedback().blacklist(actor, ticket!.id);
    expect(result.change).toBe('added');
    expect(result.ticket.blacklistedAt).toBe(t.clock.now());
    const entry = await services().db('number_lists').where({ list: 'black', mobile: CUSTOMER }).first();
    expect(entry).toMatchObject({ scope: 'marketing', source: 'complaint' });
    expect(await services().members.get(memberId, { revealIdNumber: false })).toMatchObject({ marketingConsent: false });
    const events = await services().db('consent_events').where({ member_id: memberId, source: 'complaint' });
    expect(events).toHaveLength(1);
    expect(events[0].text).toContain(ticket!.number);
    expect((await feedback().blacklist(actor, ticket!.id)).change).toBe('already');

    // A care text is now blocked, the resolution (transactional) still goes.
    const care = await services().messaging.outbox.enqueue([{ number: CUSTOMER }], { text: '会员日特价', category: 'marketing', source: 'ui' }, actor);
    expect(care.queued).toBe(0);
    const resolved = await feedback().resolve(actor, ticket!.id, { resolution: '已退款' });
    expect(resolved.messageId).not.toBeNull();
  });

  it('the daily digest goes once, after its time, about yesterday', async () => {
    await feedback().digestIfDue('08:00'); // 10:00 local: due
    await feedback().digestIfDue('08:00'); // the same day: not again
    await services().mail.tick();
    const [digest] = await smtp.waitFor(1);
    expect(digest!.to).toEqual(['owner@example.com']);
    expect(digest!.subject).toContain('2026-11-21');
    expect(await services().db('mail_messages').where('purpose', 'feedback-digest').count({ n: '*' })).toEqual([{ n: 1 }]);
  });
});
