import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Inside the project, so the bundle's bare imports (knex, sqlite3 …) resolve from its node_modules. */
const OUT_DIR = path.join(ROOT, 'node_modules/.cache/storemas-bench');

/**
 * Bundles a benchmark's entry as the appliance ships its core: one ES module
 * of plain JavaScript with the dependencies left external (what electron-vite
 * does for out/main/core-entry.js), so a child process measured for memory
 * runs what the store runs, not tsx compiling TypeScript in-process (which
 * alone adds some 70 MB at start and more when a module loads late).
 */
export async function bundleForChild(entry: string): Promise<string> {
  const name = path.basename(entry).replace(/\.ts$/, '');
  await build({
    configFile: false,
    logLevel: 'warn',
    root: ROOT,
    build: {
      ssr: entry,
      outDir: OUT_DIR,
      emptyOutDir: false,
      minify: false,
      target: 'node20',
      rollupOptions: { output: { format: 'es', entryFileNames: '[name].mjs' } },
    },
  });
  return path.join(OUT_DIR, `${name}.mjs`);
}
