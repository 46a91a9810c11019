#!/usr/bin/env node
/**
 * `npm run bench [group]`: runs the benchmarks in bench/ (each a TypeScript
 * module run by tsx that prints its figures and the ratio against a baseline
 * measured in the same run). Groups: modem, messaging, store, services, strategies, mas, campaigns, care, reports
 * (file name prefix: mas runs the MAS database interface's and the 云MAS HTTP interface's benchmarks; reports the
 * dashboard and every report over a year of messages).
 * Benchmarks are never part of `npm test`: they measure, they don't gate.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const group = process.argv[2];
const files = fs
  .readdirSync(path.join(root, 'bench'))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .filter((f) => {
    if (!group) return true;
    if (group === 'store') return f.startsWith('store') || f.startsWith('members');
    return f.startsWith(group);
  })
  .sort();
if (files.length === 0) {
  console.error(`No benchmarks${group ? ` in group "${group}"` : ''} under bench/.`);
  process.exit(2);
}
let failures = 0;
for (const file of files) {
  console.log(`\n=== bench/${file}`);
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join('bench', file)], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) failures += 1;
}
process.exitCode = failures === 0 ? 0 : 1;
