import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../auth/audit.js';
import { openCore } from '../index.js';
import { tempDir, testConfig } from '../../tests/support/appliance.js';
import { runCli } from './main.js';

function capture() {
  const lines: { out: string[]; err: string[] } = { out: [], err: [] };
  return { lines, output: { out: (l: string) => lines.out.push(l), err: (l: string) => lines.err.push(l) } };
}

describe('storemas sync and demo-pos', () => {
  const temp = tempDir('storemas-cli-store-');
  const dataDir = path.join(temp.dir, 'data');
  const file = path.join(temp.dir, 'pos.sqlite');
  afterAll(() => temp.remove());

  it('generates a demo POS, refuses to overwrite it, and writes SQL dumps', async () => {
    const first = capture();
    expect(await runCli(['node', 'storemas', 'demo-pos', '--out', file, '--members', '60', '--receipts', '120', '--products', '40', '--stores', '2'], first.output)).toBe(0);
    expect(first.lines.out.join('\n')).toMatch(/Demo POS written to/);
    const again = capture();
    expect(await runCli(['node', 'storemas', 'demo-pos', '--out', file], again.output)).toBe(1);
    expect(again.lines.err.join('\n')).toMatch(/already exists.*\[DEMO_FILE_EXISTS\]/);
    const dump = capture();
    expect(await runCli(['node', 'storemas', 'demo-pos', '--out', path.join(temp.dir, 'pos.pg.sql'), '--format', 'pg', '--members', '10'], dump.output)).toBe(0);
  });

  it('sync run explains a missing connection, then syncs and sync status shows the result', async () => {
    const none = capture();
    expect(await runCli(['node', 'storemas', '--data-dir', dataDir, 'sync', 'run'], none.output)).toBe(1);
    expect(none.lines.err.join('\n')).toMatch(/No store connection is configured.*\[CONNECTION_NOT_FOUND\]/);

    const core = await openCore(testConfig(dataDir), { lock: false });
    const { id } = await core.services.store.createConnection(CLI_ACTOR, { name: '总店', client: 'sqlite', settings: { file } });
    await core.services.store.applyPreset(CLI_ACTOR, id, 'demo-pos');
    await core.close();

    const run = capture();
    expect(await runCli(['node', 'storemas', '--data-dir', dataDir, 'sync', 'run', '--store', '总店'], run.output)).toBe(0);
    const text = run.lines.out.join('\n');
    expect(text).toMatch(/members\s+60\s+60\s+0/);
    expect(text).toMatch(/finished: \d+ rows read/);

    const full = capture();
    expect(await runCli(['node', 'storemas', '--data-dir', dataDir, 'sync', 'run', '--full'], full.output)).toBe(0);
    expect(full.lines.out.join('\n')).toMatch(/full comparison/);

    const status = capture();
    expect(await runCli(['node', 'storemas', '--data-dir', dataDir, 'sync', 'status'], status.output)).toBe(0);
    expect(status.lines.out.join('\n')).toMatch(/总店\s+sqlite.*#2 finished/);
    expect(status.lines.out.join('\n')).toMatch(/members 60/);

    const unknown = capture();
    expect(await runCli(['node', 'storemas', '--data-dir', dataDir, 'sync', 'run', '--store', 'nope'], unknown.output)).toBe(1);
  });
});
