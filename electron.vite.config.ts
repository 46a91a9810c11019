import { resolve } from 'node:path';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import type { Plugin } from 'vite';
import rendererConfig from './renderer/vite.config.js';
import { STATUS_PAGE_FILE, statusPageHtml } from './electron/status-page.js';

/** The window's status page (shown while the core is down), written next to the main bundle. */
function statusPagePlugin(): Plugin {
  return {
    name: 'storemas-status-page',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: STATUS_PAGE_FILE, source: statusPageHtml() });
    },
  };
}

/**
 * The desktop build:
 * - out/main/main.js: the Electron main process (window, tray, core supervisor). It imports no
 *   core code and no native module: the core runs in a utilityProcess from
 *   - out/main/core-entry.js: the core as the shell's child process;
 * - out/main/core.js: the headless CLI (the same as bin/storemas.mjs), for running the packaged
 *   app as a service;
 * - out/preload/preload.cjs: CommonJS, because a sandboxed window cannot load an ES module preload;
 * - out/renderer: the admin UI (the same Vite config `npm run build:renderer` uses).
 * Dependencies stay external: native modules (sqlite3, serialport) load from node_modules,
 * unpacked from the asar by electron-builder. tests/integration/desktop-build.test.ts checks
 * the output.
 */
export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin(), statusPagePlugin()],
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          main: resolve(import.meta.dirname, 'electron/main.ts'),
          'core-entry': resolve(import.meta.dirname, 'electron/core-entry.ts'),
          core: resolve(import.meta.dirname, 'main/cli/entry.ts'),
        },
        output: { format: 'es', entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { preload: resolve(import.meta.dirname, 'electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    ...rendererConfig,
    root: resolve(import.meta.dirname, 'renderer'),
    build: {
      ...rendererConfig.build,
      outDir: resolve(import.meta.dirname, 'out/renderer'),
      rollupOptions: { input: resolve(import.meta.dirname, 'renderer/index.html') },
    },
  },
});
