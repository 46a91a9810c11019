import { createHash } from 'node:crypto';

/**
 * The hold-out draw: whether a member (or list number) is in a run's control
 * group. Deterministic per (campaign, run, member) — a restarted run draws the
 * same members, and the report can always tell who was held out — and
 * independent of member order, ids or anything the store chose. One-off
 * campaigns draw once (run 1); recurring ones anew each run.
 */
export function inHoldout(campaignId: number, runNumber: number, key: string, percent: number): boolean {
  if (percent <= 0) return false;
  const digest = createHash('sha256').update(`${campaignId}:${runNumber}:${key}`).digest();
  return digest.readUInt32BE(0) / 0x1_0000_0000 < percent / 100;
}
