import { resolve } from 'node:path';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import rendererConfig from './renderer/vite.config.js';

/**
 * The desktop build: the Electron main process (which hosts the core from
 * main/), the headless core entry (out/main/core.js, the same CLI as
 * bin/storemas.mjs, for running the packaged app as a service), the preload,
 * and the renderer (the same Vite config `npm run build:renderer` uses).
 * Dependencies stay external: native modules (sqlite3, serialport) load from
 * node_modules, unpacked from the asar by electron-builder.
 */
export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          main: resolve(import.meta.dirname, 'electron/main.ts'),
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
        output: { format: 'es', entryFileNames: '[name].mjs' },
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
