import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// Paths are relative to this file, so the build works from any working directory.
const here = import.meta.dirname;

export default defineConfig({
  root: here,
  base: '/',
  plugins: [vue()],
  build: {
    outDir: `${here}/../out/renderer`,
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    port: 5173,
    proxy: { '/api': { target: 'http://127.0.0.1:8780', changeOrigin: false } },
  },
});
