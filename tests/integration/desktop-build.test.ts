/**
 * The desktop build (`electron-vite build`, which needs no Electron binary),
 * made once into a temporary folder inside the repository (so the bundles'
 * external packages resolve from node_modules) and checked as the app would
 * load it:
 * - the preload is CommonJS and runs with nothing but require('electron'),
 *   which is all a sandboxed renderer offers;
 * - the Electron main process imports no core code and no native module
 *   (those live in the core bundle, which runs in the utilityProcess);
 * - the status page's CSP admits its script;
 * - the core bundle runs on its own under the supervisor and serves the API
 *   and the admin UI.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreSupervisor } from '../../electron/core-supervisor.js';
import { tempDir } from '../support/appliance.js';
import { REPO_ROOT } from '../support/cli.js';
import { forkCore, waitForCore } from '../support/forked-core.js';

const OUT = path.join(REPO_ROOT, '.tmp', `desktop-build-${process.pid}`);
const data = tempDir('storemas-desktop-build-');

beforeAll(() => {
  const build = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', OUT, '--logLevel', 'warn'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (build.status !== 0) throw new Error(`electron-vite build failed:\n${build.stdout}\n${build.stderr}`);
}, 200_000);
afterAll(() => {
  fs.rmSync(OUT, { recursive: true, force: true });
  data.remove();
});

const read = (file: string) => fs.readFileSync(file, 'utf8');

/** Every module specifier a built file loads: static and dynamic imports, require() and createRequire(…)(). */
function specifiers(code: string): string[] {
  const found = new Set<string>();
  const patterns = [/^\s*import\s[^'"]*?['"]([^'"]+)['"]/gm, /^\s*import\s*['"]([^'"]+)['"]/gm, /^\s*export\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]/gm, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g, /(?<![\w$.])(?:__)?require\(\s*['"]([^'"]+)['"]\s*\)/g, /\bcreateRequire\([^)]*\)\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) found.add(match[1]!);
  return [...found];
}

/** The packages (bare specifiers) a bundle entry loads, following its own chunks. */
function packagesLoadedBy(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of specifiers(read(file))) {
      if (specifier.startsWith('.')) visit(path.resolve(path.dirname(file), specifier));
      else packages.add(specifier);
    }
  };
  visit(entry);
  return packages;
}

const isNodeBuiltin = (name: string) => name.startsWith('node:') || builtinModules.includes(name);

describe('desktop build', () => {
  it('builds the preload as CommonJS that runs with only require("electron"), as in a sandboxed renderer', () => {
    const preload = path.join(OUT, 'preload', 'preload.cjs');
    const code = read(preload);
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
    expect(specifiers(code)).toEqual(['electron']);
    expect(fs.existsSync(path.join(OUT, 'preload', 'preload.mjs'))).toBe(false);

    // Run it the way Electron's sandboxed preload runs: a CommonJS wrapper and a limited require.
    const exposed: Record<string, Record<string, unknown>> = {};
    const invoked: string[] = [];
    const listeners = new Map<string, unknown>();
    const electron = {
      contextBridge: { exposeInMainWorld: (name: string, api: Record<string, unknown>) => (exposed[name] = api) },
      ipcRenderer: {
        invoke: async (channel: string) => invoked.push(channel),
        on: (channel: string, listener: unknown) => listeners.set(channel, listener),
        off: (channel: string) => listeners.delete(channel),
      },
    };
    const sandboxRequire = (name: string) => {
      if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
      return electron;
    };
    const module = { exports: {} };
    vm.runInNewContext(`(function (exports, require, module) {${code}\n})`, {}, { filename: preload })(module.exports, sandboxRequire, module);

    const bridge = exposed.storemasDesktop as { isDesktop: boolean; info(): Promise<unknown>; restartCore(): Promise<unknown>; onCoreState(l: (v: unknown) => void): () => void };
    expect(Object.keys(bridge).sort()).toEqual(['info', 'isDesktop', 'onCoreState', 'restartCore']);
    void bridge.info();
    void bridge.restartCore();
    expect(invoked).toEqual(['storemas:info', 'storemas:restart-core']);
    const received: unknown[] = [];
    const unsubscribe = bridge.onCoreState((view) => received.push(view));
    (listeners.get('storemas:core-state') as (event: unknown, view: unknown) => void)({}, { state: 'running' });
    expect(received).toEqual([{ state: 'running' }]);
    unsubscribe();
    expect(listeners.has('storemas:core-state')).toBe(false);
  });

  it('keeps the core and every native module out of the Electron main process', () => {
    const main = path.join(OUT, 'main', 'main.js');
    const mainPackages = [...packagesLoadedBy(main)];
    expect(mainPackages.filter((name) => name !== 'electron' && !isNodeBuiltin(name))).toEqual([]);
    expect(mainPackages).toContain('electron');
    // The core bundle is where they are: the same walk finds them there.
    const corePackages = packagesLoadedBy(path.join(OUT, 'main', 'core-entry.js'));
    for (const name of ['sqlite3', 'serialport', 'pg']) expect(corePackages).toContain(name); // pg: loaded through createRequire
    expect(corePackages.has('electron')).toBe(false);

    // The files main.js points the window and the utilityProcess at are where it looks for them.
    const code = read(main);
    expect(code).toContain('"../preload/preload.cjs"');
    expect(code).toContain('"core-entry.js"');
    expect(fs.existsSync(path.join(OUT, 'main', 'core-entry.js'))).toBe(true);
  });

  it('writes the status page next to main.js with a CSP that admits exactly its script', () => {
    const html = read(path.join(OUT, 'main', 'status.html'));
    const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
    const hash = createHash('sha256').update(script).digest('base64');
    expect(html).toContain(`script-src 'sha256-${hash}'`);
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/https?:\/\//); // no remote content
  });

  it('runs the built core bundle on its own under the supervisor: API and admin UI served', async () => {
    const supervisor = new CoreSupervisor({
      fork: forkCore(path.join(OUT, 'main', 'core-entry.js'), {
        env: { ...process.env, STOREMAS_DATA_DIR: data.dir, STOREMAS_PORT: '0', STOREMAS_RENDERER_DIR: path.join(OUT, 'renderer') },
      }),
    });
    try {
      supervisor.start();
      const running = await waitForCore(supervisor, (s) => s.state === 'running', 60_000);
      const health = await fetch(new URL('api/health', running.url!));
      expect(await health.json()).toMatchObject({ status: 'ok' });
      const ui = await fetch(running.url!);
      expect(ui.headers.get('content-type')).toMatch(/text\/html/);
      expect(await ui.text()).toContain('<div id="app"');
    } finally {
      await supervisor.stop();
    }
    expect(supervisor.log().map((l) => l.text)).toContain('the core stopped (exit code 0)');
  }, 120_000);
});
