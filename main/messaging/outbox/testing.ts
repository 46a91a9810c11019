import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SYSTEM_ACTOR } from '../../auth/audit.js';
import { ManualClock } from '../../clock.js';
import { defaultConfig } from '../../config.js';
import { openCore, type OpenedCore } from '../../index.js';

/** 10:00 in Shanghai (02:00 UTC): outside quiet hours. */
export const MORNING = Date.UTC(2026, 10, 22, 2, 0, 0);

export interface MessagingCore {
  core: OpenedCore;
  clock: ManualClock;
  close(): Promise<void>;
}

/** The real core on a temp SQLite file, with a hand-moved clock; for the messaging tests. */
export async function openMessagingCore(start = MORNING): Promise<MessagingCore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-messaging-'));
  const clock = new ManualClock(start);
  const core = await openCore(
    defaultConfig({ dataDir: dir, port: 0, logLevel: 'warn', logToConsole: false, auth: { sessionIdleMinutes: 30, maxFailedLogins: 5, lockoutMinutes: 15, scryptCost: 1024 } }),
    { clock, lock: false },
  );
  return {
    core,
    clock,
    close: async () => {
      await core.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

let memberSeq = 0;

/** A member row as the POS mirror or the members page would write it. */
export async function addMember(
  core: OpenedCore,
  fields: { mobile: string; name: string; gender?: string; points?: number; marketingConsent?: boolean },
): Promise<number> {
  memberSeq += 1;
  const now = core.services.clock.now();
  const [id] = await core.services.db('members')
    .insert({
      source: 'manual',
      source_key: `t${memberSeq}-${now}`,
      name: fields.name,
      gender: fields.gender ?? 'U',
      mobile: fields.mobile,
      points: fields.points ?? 0,
      marketing_consent: fields.marketingConsent ?? true,
      created_at: now,
      updated_at: now,
    })
    .returning('id');
  return Number(typeof id === 'object' ? (id as { id: number }).id : id);
}

export const actor = SYSTEM_ACTOR;
