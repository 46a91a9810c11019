import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock.js';
import { campaignInput, seedMembers } from '../../campaigns/testing.js';
import { createTestAppliance, type ApiClient, type TestAppliance } from '../../../tests/support/appliance.js';

// Monday 7 December 2026, 10:00 in Shanghai.
const T0 = Date.UTC(2026, 11, 7, 2, 0);

describe('campaigns and segments API', () => {
  let app: TestAppliance;
  let manager: ApiClient;
  let operator: ApiClient;

  beforeAll(async () => {
    app = await createTestAppliance({ clock: new ManualClock(T0) });
    await seedMembers(app.services.db, 60, T0, { tagEvery: 4 });
    manager = await app.client('manager');
    operator = await app.client('operator');
  });
  afterAll(async () => {
    await app.services.campaigns.stop();
    await app.close();
  });

  it('saves a segment with its live count; an operator reads it; names are unique', async () => {
    expect((await manager.post('/api/segments/count', { filter: { points: { min: 300 } } })).json()).toEqual({ count: 31 });
    const created = await manager.post('/api/segments', { name: '高积分会员', filter: { points: { min: 300 } } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: '高积分会员', count: 31, usedBy: 0, createdBy: 'test-manager' });
    const twice = await manager.post('/api/segments', { name: '高积分会员', filter: {} });
    expect(twice.statusCode).toBe(409);
    expect((await operator.get('/api/segments')).json().items.map((s: { name: string }) => s.name)).toEqual(['高积分会员']);
  });

  it('tags selected members in bulk, all or none, audited', async () => {
    const ok = await manager.post('/api/segments/tag-members', { memberIds: [1, 2, 3], add: ['试吃'] });
    expect(ok.json()).toEqual({ members: 3, added: 3, removed: 0 });
    const again = await manager.post('/api/segments/tag-members', { memberIds: [1, 2, 3, 4], add: ['试吃'], remove: ['老顾客'] });
    expect(again.json()).toEqual({ members: 4, added: 1, removed: 1 });
    const gone = await manager.post('/api/segments/tag-members', { memberIds: [5, 99_999], add: ['试吃'] });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.code).toBe('BULK_TAG_MEMBER_GONE');
    expect(await app.services.db('member_tags').where('tag', '试吃').pluck('member_id')).toHaveLength(4);
    // Operators may not change member records (members.write).
    expect((await operator.post('/api/segments/tag-members', { memberIds: [1], add: ['x'] })).statusCode).toBe(403);
    expect(await app.services.db('audit_log').where('action', 'members.tag').count({ n: '*' })).toEqual([{ n: 2 }]);
  });

  it('dry-runs, creates, submits, pauses, resumes and cancels a campaign; reports and exports it', async () => {
    const input = campaignInput({ name: '周末会员日', audience: { kind: 'tag', tag: '老顾客' }, holdoutPercent: 0 });
    const dry = (await operator.post('/api/campaigns/dry-run', input)).json();
    expect(dry).toMatchObject({ audience: 14, target: 14, holdout: 0 });
    expect(dry.samples).toHaveLength(3);
    expect(dry.samples[0].text).toContain('本周六会员日');
    expect(dry.parts).toBeGreaterThan(0);

    const created = await operator.post('/api/campaigns', { ...input, schedule: { kind: 'at', at: T0 + 3_600_000 } });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as number;
    expect(created.json().state).toBe('draft');
    expect((await operator.post(`/api/campaigns/${id}/submit`)).json().state).toBe('scheduled');
    expect((await operator.post(`/api/campaigns/${id}/pause`)).json().state).toBe('paused');
    const twice = await operator.post(`/api/campaigns/${id}/pause`);
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.code).toBe('CAMPAIGN_STATE_CONFLICT');
    expect((await operator.post(`/api/campaigns/${id}/resume`)).json().state).toBe('scheduled');
    expect((await operator.post(`/api/campaigns/${id}/cancel`)).json().state).toBe('cancelled');
    expect((await operator.get(`/api/campaigns/${id}`)).json().campaign).toMatchObject({ id, state: 'cancelled', audience: { kind: 'tag', tag: '老顾客' } });
    expect((await operator.get('/api/campaigns?states=cancelled')).json().total).toBe(1);

    const report = (await operator.get(`/api/campaigns/${id}/report`)).json();
    expect(report.funnel).toMatchObject({ audience: 0, queued: 0 });
    const file = await operator.get(`/api/campaigns/${id}/report.xlsx`);
    expect(file.headers['content-type']).toContain('spreadsheetml');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file.rawPayload as unknown as ArrayBuffer);
    expect(workbook.getWorksheet('概要 Summary')!.getRow(1).getCell(2).value).toBe('周末会员日');
  });

  it('an operator’s campaign waits for a manager when approval is on', async () => {
    expect((await operator.put('/api/campaigns/settings', { requireApproval: true })).statusCode).toBe(403);
    expect((await manager.put('/api/campaigns/settings', { requireApproval: true })).json()).toEqual({ requireApproval: true });
    const id = (await operator.post('/api/campaigns', campaignInput({ name: '需审批', schedule: { kind: 'at', at: T0 + 7_200_000 } }))).json().id as number;
    expect((await operator.post(`/api/campaigns/${id}/submit`)).json().state).toBe('pending_approval');
    expect((await operator.post(`/api/campaigns/${id}/approve`, {})).statusCode).toBe(403);
    const approved = (await manager.post(`/api/campaigns/${id}/approve`, { note: '可以' })).json();
    expect(approved).toMatchObject({ state: 'scheduled', approvedBy: 'test-manager' });
    await manager.post(`/api/campaigns/${id}/cancel`);
    await manager.put('/api/campaigns/settings', { requireApproval: false });
  });

  it('refuses bad input with a code: a past time, a rule that never fires, an unknown campaign; previews a rule; shows the calendar', async () => {
    const past = await manager.post('/api/campaigns', campaignInput({ schedule: { kind: 'at', at: T0 - 3_600_000 } }));
    expect(past.statusCode).toBe(400);
    expect(past.json().error.code).toBe('CAMPAIGN_SCHEDULE_IN_PAST');
    const never = await manager.post('/api/campaigns', campaignInput({ schedule: { kind: 'recurring', rule: '0 10 31 2 *' } }));
    expect(never.statusCode).toBe(400);
    expect((await manager.get('/api/campaigns/424242')).json().error.code).toBe('CAMPAIGN_NOT_FOUND');
    const preview = (await operator.get(`/api/campaigns/rule-preview?rule=${encodeURIComponent('0 10 * * 5')}&count=2`)).json();
    expect(preview).toEqual({ rule: '0 10 * * 5', timeZone: 'Asia/Shanghai', upcoming: [Date.UTC(2026, 11, 11, 2), Date.UTC(2026, 11, 18, 2)] });
    const calendar = (await operator.get('/api/campaigns/calendar?month=2026-12')).json();
    expect(calendar).toMatchObject({ month: '2026-12', timeZone: 'Asia/Shanghai' });
    expect((await operator.get('/api/campaigns/calendar?month=2026-13')).statusCode).toBe(400);
  });

  it('renames a segment and changes its filter, audited; one a scheduled campaign uses says where and is not deleted', async () => {
    const segment = (await manager.post('/api/segments', { name: '积分会员', filter: { points: { min: 300 } } })).json() as { id: number };
    const renamed = await manager.put(`/api/segments/${segment.id}`, { name: '积分500+', description: '积分不少于500', filter: { points: { min: 500 } } });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: '积分500+', description: '积分不少于500', filter: { points: { min: 500 } } });
    expect(renamed.json().count).toBeLessThan(31);
    const entry = (await app.services.db('audit_log').where({ action: 'segments.update', target: `segment:${segment.id}` }).first()) as { actor: string; detail: string };
    expect(JSON.parse(entry.detail)).toEqual({ name: '积分500+', wasName: '积分会员', filter: { points: { min: 500 } }, wasFilter: { points: { min: 300 } } });
    // Another segment's name is refused.
    expect((await manager.put(`/api/segments/${segment.id}`, { name: '高积分会员', filter: {} })).json().error.code).toBe('SEGMENT_NAME_TAKEN');

    const input = campaignInput({ name: '积分兑换周', audience: { kind: 'segment', segmentId: segment.id }, schedule: { kind: 'at', at: T0 + 7_200_000 } });
    const campaign = (await manager.post('/api/campaigns', input)).json() as { id: number };
    expect((await manager.post(`/api/campaigns/${campaign.id}/submit`)).json().state).toBe('scheduled');
    const listed = (await operator.get('/api/segments')).json().items.find((s: { id: number }) => s.id === segment.id);
    expect(listed).toMatchObject({ usedBy: 1, usedIn: [{ id: campaign.id, name: '积分兑换周', state: 'scheduled' }] });
    const refused = await manager.delete(`/api/segments/${segment.id}`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'SEGMENT_IN_USE' });
    expect(refused.json().error.message).toContain('积分兑换周');
    expect(await app.services.db('segments').where('id', segment.id).first()).toBeDefined();

    // Once the campaign is over the segment goes; the campaign keeps its audience as the filter it was.
    await manager.post(`/api/campaigns/${campaign.id}/cancel`);
    expect((await manager.delete(`/api/segments/${segment.id}`)).statusCode).toBe(200);
    expect((await operator.get(`/api/campaigns/${campaign.id}`)).json().campaign.audience).toMatchObject({ kind: 'filter', filter: { points: { min: 500 } } });
  });
});
