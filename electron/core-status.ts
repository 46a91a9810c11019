/**
 * What the window's status page and the tray say about the core, Chinese first
 * with English. Pure: the supervisor's snapshot in, words out.
 */
import type { CoreLogLine, CoreProblem, CoreSnapshot, CoreStateName } from './core-supervisor.js';

export interface Bilingual {
  zh: string;
  en: string;
}

/** Everything the status page shows; sent to it over IPC. */
export interface CoreStatusView {
  state: CoreStateName;
  label: Bilingual;
  headline: Bilingual;
  detail: Bilingual | null;
  /** The core's own message (English), for support. */
  technical: string | null;
  nextStartAt: number | null;
  /** Whether "restart now" makes sense (not while it is already starting or stopping). */
  canRestart: boolean;
  log: CoreLogLine[];
}

export const CORE_STATE_LABELS: Record<CoreStateName, Bilingual> = {
  starting: { zh: '启动中', en: 'Starting' },
  running: { zh: '运行中', en: 'Running' },
  restarting: { zh: '重启中', en: 'Restarting' },
  stopping: { zh: '停止中', en: 'Stopping' },
  stopped: { zh: '已停止', en: 'Stopped' },
};

/** The start-up refusals the core reports (main/ StartupError codes), worded for the store. */
const REFUSALS: Record<string, string> = {
  PORT_IN_USE: '端口已被占用（另一个 StoreMAS 或其他程序）。请关闭占用端口的程序，或更换端口。',
  PORT_DENIED: '没有权限监听该端口，请使用 1024 以上的端口。',
  DATA_DIR_IN_USE: '数据目录正被另一个 StoreMAS 使用。请先关闭它。',
  DATA_DIR_UNWRITABLE: '数据目录无法写入。请检查磁盘空间和文件夹权限。',
  DATABASE_LOCKED: '数据库被其他程序锁定。请关闭打开数据库的程序。',
  DATABASE_CORRUPT: '数据库文件已损坏。请从备份恢复，或联系技术支持。',
  DATABASE_UNWRITABLE: '数据库文件无法写入。请检查磁盘空间和文件权限。',
  DATABASE_FAILED: '无法打开数据库。详见下方日志。',
  SCHEMA_TOO_NEW: '数据库由更新版本的 StoreMAS 写入。请安装该版本或更新的版本。',
};

export function describeProblem(problem: CoreProblem): Bilingual {
  switch (problem.kind) {
    case 'exited':
      return problem.signal
        ? { zh: `核心进程被终止（信号 ${problem.signal}）。`, en: `The core process was killed (signal ${problem.signal}).` }
        : { zh: `核心进程意外退出（退出码 ${String(problem.code)}）。`, en: `The core process exited unexpectedly (exit code ${String(problem.code)}).` };
    case 'unresponsive': {
      const seconds = Math.round(problem.silentMs / 1000);
      return { zh: `核心进程 ${seconds} 秒没有响应，已被结束。`, en: `The core process did not respond for ${seconds} s and was ended.` };
    }
    case 'refused':
      return {
        zh: `核心服务拒绝启动：${REFUSALS[problem.code] ?? '详见下方信息和日志。'}（${problem.code}）`,
        en: `The core service refused to start (${problem.code}).`,
      };
    case 'spawn-failed':
      return { zh: '无法启动核心进程。', en: 'The core process could not be started.' };
  }
}

function headline(snapshot: CoreSnapshot): Bilingual {
  switch (snapshot.state) {
    case 'starting':
      return snapshot.problem
        ? { zh: '正在重新启动核心服务…', en: 'Starting the core service again…' }
        : { zh: '正在启动核心服务…', en: 'Starting the core service…' };
    case 'running':
      return { zh: '核心服务运行中', en: 'The core service is running' };
    case 'restarting':
      return { zh: '核心服务已停止，即将自动重启', en: 'The core service stopped; it restarts by itself' };
    case 'stopping':
      return { zh: '正在停止核心服务…', en: 'Stopping the core service…' };
    case 'stopped':
      return snapshot.gaveUp
        ? { zh: `核心服务连续 ${snapshot.recentCrashes} 次未能正常运行，已停止自动重启`, en: `The core service failed ${snapshot.recentCrashes} times in a row; it is no longer restarted automatically` }
        : { zh: '核心服务已停止', en: 'The core service is stopped' };
  }
}

export function coreStatusView(snapshot: CoreSnapshot, log: CoreLogLine[]): CoreStatusView {
  const problem = snapshot.problem;
  return {
    state: snapshot.state,
    label: CORE_STATE_LABELS[snapshot.state],
    headline: headline(snapshot),
    detail: problem ? describeProblem(problem) : null,
    technical: problem?.kind === 'refused' || problem?.kind === 'spawn-failed' ? problem.message : null,
    nextStartAt: snapshot.nextStartAt,
    canRestart: snapshot.state === 'restarting' || snapshot.state === 'stopped' || snapshot.state === 'running',
    log,
  };
}

export const PRODUCT_NAME = 'StoreMAS 门店短信一体机';

/** The tray icon's tooltip: the product and the core's state. */
export function trayTooltip(state: CoreStateName): string {
  const label = CORE_STATE_LABELS[state];
  return `${PRODUCT_NAME} — ${label.zh} / ${label.en}`;
}

/** The tray menu's first (disabled) line. */
export function trayStateLine(state: CoreStateName): string {
  const label = CORE_STATE_LABELS[state];
  return `核心服务：${label.zh} / Core: ${label.en}`;
}
