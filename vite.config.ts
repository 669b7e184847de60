import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The SPA (src/web) → dist/web, served by the web tier at the security entrance. The base is relative
 * so that one build serves whatever the entrance is: the server writes the entrance into index.html's
 * asset URLs, and chunks load each other relative to their own URL.
 */
export default defineConfig({
  root: fileURLToPath(new URL('src/web', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The figures in docs/STATUS.md come from scripts/bench/web.ts, not from this warning.
    chunkSizeWarningLimit: 1024,
    modulePreload: { polyfill: false },
    // .vite/manifest.json: scripts/bench/web.ts checks from it that every page is a lazy chunk.
    manifest: true,
  },
});
