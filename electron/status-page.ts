/**
 * The page the window shows while the core is not running (starting,
 * restarting after a crash, given up): its state, why, the last lines of its
 * output and a "restart now" button. One self-contained local file, written
 * into the build as out/main/status.html (no remote content; its CSP admits
 * only its own inline script), fed by the preload bridge
 * (window.storemasDesktop).
 */
import { createHash } from 'node:crypto';
import { PRODUCT_NAME } from './core-status.js';

/**
 * Runs in the page, serialised with Function.prototype.toString: it may use
 * only browser globals and what it declares itself. The few DOM types it needs
 * are declared here (this project's Node typecheck has no DOM library).
 */
function statusPageScript(): void {
  interface PageElement {
    textContent: string | null;
    hidden: boolean;
    className: string;
    disabled: boolean;
    scrollTop: number;
    readonly scrollHeight: number;
    readonly clientHeight: number;
    readonly dataset: Record<string, string | undefined>;
    append(...nodes: PageElement[]): void;
    replaceChildren(...nodes: PageElement[]): void;
    addEventListener(type: 'click', listener: () => void): void;
  }
  interface PageDocument {
    readonly body: PageElement;
    getElementById(id: string): PageElement | null;
    createElement(tag: string): PageElement;
  }
  interface Bilingual {
    zh: string;
    en: string;
  }
  interface LogLine {
    at: number;
    level: string;
    source: string;
    text: string;
  }
  interface View {
    state: string;
    label: Bilingual;
    headline: Bilingual;
    detail: Bilingual | null;
    technical: string | null;
    nextStartAt: number | null;
    canRestart: boolean;
    log: LogLine[];
  }
  interface Bridge {
    info(): Promise<{ version: string; logFile: string; core: View }>;
    onCoreState(listener: (view: View) => void): () => void;
    restartCore(): Promise<void>;
  }
  const page = globalThis as unknown as { document: PageDocument; storemasDesktop?: Bridge };
  const document = page.document;
  const bridge = page.storemasDesktop;
  const byId = (id: string): PageElement => {
    const element = document.getElementById(id);
    if (!element) throw new Error(`status page: #${id} missing`);
    return element;
  };
  const setBilingual = (id: string, text: Bilingual | null): void => {
    const element = byId(id);
    element.hidden = !text;
    byId(`${id}-zh`).textContent = text?.zh ?? '';
    byId(`${id}-en`).textContent = text?.en ?? '';
  };
  let current: View | undefined;
  let restarting = false;

  const renderCountdown = (): void => {
    const element = byId('countdown');
    const due = current?.state === 'restarting' ? current.nextStartAt : null;
    element.hidden = due === null;
    if (due === null) return;
    const seconds = Math.max(0, Math.ceil((due - Date.now()) / 1000));
    element.textContent = `${seconds} 秒后自动重启 / Restarting in ${seconds} s`;
  };

  const render = (view: View): void => {
    current = view;
    document.body.dataset.state = view.state;
    byId('state').textContent = `${view.label.zh} / ${view.label.en}`;
    setBilingual('headline', view.headline);
    setBilingual('detail', view.detail);
    const technical = byId('technical');
    technical.hidden = !view.technical;
    technical.textContent = view.technical ?? '';
    const button = byId('restart');
    button.disabled = !view.canRestart || restarting;
    renderCountdown();
    const log = byId('log');
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 24;
    log.replaceChildren(
      ...view.log.map((line) => {
        const row = document.createElement('div');
        row.className = `line ${line.level} ${line.source}`;
        const time = document.createElement('span');
        time.className = 'time';
        time.textContent = new Date(line.at).toLocaleTimeString('zh-CN', { hour12: false });
        const text = document.createElement('span');
        text.textContent = line.text; // text, never HTML: the core's output is not markup
        row.append(time, text);
        return row;
      }),
    );
    byId('log-empty').hidden = view.log.length > 0;
    if (atBottom) log.scrollTop = log.scrollHeight;
  };

  if (!bridge) {
    setBilingual('headline', { zh: '此页面只在 StoreMAS 桌面程序中可用', en: 'This page works only inside the StoreMAS desktop app' });
    return;
  }
  byId('restart').addEventListener('click', () => {
    restarting = true;
    byId('restart').disabled = true;
    bridge.restartCore().finally(() => {
      restarting = false;
      if (current) render(current);
    });
  });
  bridge.onCoreState(render);
  void bridge.info().then((info) => {
    byId('version').textContent = `v${info.version}`;
    byId('log-file').textContent = info.logFile;
    render(info.core);
  });
  setInterval(renderCountdown, 250);
}

const STYLE = `
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { font: 14px/1.5 "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", system-ui, sans-serif;
  color: #1f2937; background: #f3f5f8; display: flex; align-items: center; justify-content: center; }
main { width: min(920px, calc(100vw - 48px)); height: min(640px, calc(100vh - 48px)); display: flex; flex-direction: column;
  background: #fff; border: 1px solid #e3e7ee; border-radius: 10px; box-shadow: 0 6px 24px rgba(15, 23, 42, .06); overflow: hidden; }
header { display: flex; align-items: center; gap: 12px; padding: 14px 24px; border-bottom: 1px solid #eef1f5; }
header .product { font-weight: 600; font-size: 15px; }
header .version { color: #8a94a6; font-size: 12px; }
#state { margin-left: auto; padding: 2px 12px; border-radius: 999px; font-size: 12px; font-weight: 600; background: #fff4e0; color: #b45309; }
body[data-state="running"] #state { background: #e7f7ee; color: #15803d; }
body[data-state="stopped"] #state { background: #fdecec; color: #b91c1c; }
.summary { padding: 22px 24px 16px; display: flex; gap: 24px; align-items: flex-start; }
.summary .text { flex: 1; min-width: 0; }
#headline-zh { font-size: 20px; font-weight: 600; }
#headline-en { color: #5b6474; margin-top: 2px; }
#detail { margin-top: 12px; }
#detail-en { color: #5b6474; font-size: 13px; }
#technical { margin-top: 8px; font: 12px/1.5 ui-monospace, "Cascadia Mono", Consolas, monospace; color: #5b6474;
  background: #f6f8fa; border-radius: 6px; padding: 6px 10px; white-space: pre-wrap; word-break: break-word; }
#countdown { margin-top: 10px; color: #b45309; font-weight: 600; }
button { flex: none; font: inherit; font-weight: 600; color: #fff; background: #2563eb; border: 0; border-radius: 6px;
  padding: 9px 20px; cursor: pointer; }
button:hover:not(:disabled) { background: #1d4ed8; }
button:disabled { background: #a9bdf0; cursor: default; }
.log-head { display: flex; gap: 12px; align-items: baseline; padding: 8px 24px; border-top: 1px solid #eef1f5; background: #fafbfc; }
.log-head strong { font-size: 13px; }
#log-file { color: #8a94a6; font-size: 12px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#log { flex: 1; overflow: auto; padding: 8px 24px 12px; font: 12px/1.6 ui-monospace, "Cascadia Mono", Consolas, "Noto Sans Mono CJK SC", monospace;
  background: #fafbfc; }
#log .line { display: flex; gap: 12px; white-space: pre-wrap; word-break: break-word; }
#log .time { color: #8a94a6; flex: none; }
#log .warn { color: #b45309; }
#log .error, #log .fatal { color: #b91c1c; }
#log .shell { color: #2563eb; }
#log-empty { color: #8a94a6; padding: 8px 24px; background: #fafbfc; }
[hidden] { display: none !important; }
`;

const BODY = `
<main>
  <header>
    <span class="product">${PRODUCT_NAME}</span><span class="version" id="version"></span>
    <span id="state" data-test="core-state"></span>
  </header>
  <section class="summary">
    <div class="text">
      <div id="headline" data-test="headline"><div id="headline-zh"></div><div id="headline-en"></div></div>
      <div id="detail" data-test="detail" hidden><div id="detail-zh"></div><div id="detail-en"></div></div>
      <div id="technical" data-test="technical" hidden></div>
      <div id="countdown" data-test="countdown" hidden></div>
    </div>
    <button id="restart" data-test="restart" type="button" disabled>立即重启 / Restart now</button>
  </section>
  <div class="log-head"><strong>最近日志 / Recent log</strong><span id="log-file" data-test="log-file"></span></div>
  <div id="log" data-test="log"></div>
  <div id="log-empty" hidden>暂无日志 / No output yet</div>
</main>`;

/** The status page as one HTML document whose CSP admits exactly its own script. */
export function statusPageHtml(): string {
  const script = `(${statusPageScript.toString()})();`;
  const scriptHash = createHash('sha256').update(script).digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'`;
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>${PRODUCT_NAME}</title>
<style>${STYLE}</style>
</head>
<body data-state="starting">${BODY}
<script>${script}</script>
</body>
</html>`;
}

/** Its file name next to the main process bundle. */
export const STATUS_PAGE_FILE = 'status.html';
