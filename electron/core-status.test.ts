import { describe, expect, it } from 'vitest';
import { CORE_STATE_LABELS, coreStatusView, describeProblem, trayStateLine, trayTooltip } from './core-status.js';
import type { CoreProblem, CoreSnapshot, CoreStateName } from './core-supervisor.js';

const snapshot = (patch: Partial<CoreSnapshot>): CoreSnapshot => ({
  state: 'running', since: 0, url: null, pid: null, problem: null, recentCrashes: 0, gaveUp: false, nextStartAt: null, ...patch,
});
const STATES: CoreStateName[] = ['starting', 'running', 'restarting', 'stopping', 'stopped'];

describe('core status wording', () => {
  it('names the state in the tray, Chinese first', () => {
    expect(trayTooltip('running')).toBe('StoreMAS 门店短信一体机 — 运行中 / Running');
    expect(trayStateLine('restarting')).toBe('核心服务：重启中 / Core: Restarting');
    expect(trayStateLine('stopped')).toBe('核心服务：已停止 / Core: Stopped');
    for (const state of STATES) expect(CORE_STATE_LABELS[state].zh).toMatch(/[\u4e00-\u9fff]/);
  });

  it('words every reason in both languages', () => {
    const problems: CoreProblem[] = [
      { kind: 'exited', code: 1, signal: null },
      { kind: 'exited', code: null, signal: 'SIGKILL' },
      { kind: 'unresponsive', silentMs: 30_000 },
      { kind: 'refused', code: 'DATA_DIR_IN_USE', message: 'Another StoreMAS (process 42) is running…' },
      { kind: 'spawn-failed', message: 'ENOENT' },
    ];
    expect(problems.map(describeProblem)).toEqual([
      { zh: '核心进程意外退出（退出码 1）。', en: 'The core process exited unexpectedly (exit code 1).' },
      { zh: '核心进程被终止（信号 SIGKILL）。', en: 'The core process was killed (signal SIGKILL).' },
      { zh: '核心进程 30 秒没有响应，已被结束。', en: 'The core process did not respond for 30 s and was ended.' },
      { zh: '核心服务拒绝启动：数据目录正被另一个 StoreMAS 使用。请先关闭它。（DATA_DIR_IN_USE）', en: 'The core service refused to start (DATA_DIR_IN_USE).' },
      { zh: '无法启动核心进程。', en: 'The core process could not be started.' },
    ]);
    // A refusal code this shell does not know yet still says something and points to the details.
    expect(describeProblem({ kind: 'refused', code: 'TLS_CERT_BAD', message: 'x' }).zh).toBe('核心服务拒绝启动：详见下方信息和日志。（TLS_CERT_BAD）');
  });

  it('offers "restart now" when it helps, and the core\'s own message for refusals', () => {
    expect(STATES.filter((state) => coreStatusView(snapshot({ state }), []).canRestart)).toEqual(['running', 'restarting', 'stopped']);
    const refused = coreStatusView(snapshot({ state: 'restarting', problem: { kind: 'refused', code: 'PORT_IN_USE', message: 'Port 8780 is in use.' }, nextStartAt: 5 }), []);
    expect(refused).toMatchObject({ technical: 'Port 8780 is in use.', nextStartAt: 5, label: { zh: '重启中', en: 'Restarting' } });
    expect(coreStatusView(snapshot({ state: 'stopped', gaveUp: true, recentCrashes: 5 }), []).headline.zh).toBe('核心服务连续 5 次未能正常运行，已停止自动重启');
    expect(coreStatusView(snapshot({ state: 'starting', problem: { kind: 'exited', code: 1, signal: null } }), []).headline.en).toBe('Starting the core service again…');
  });
});
