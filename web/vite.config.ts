import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** The dashboard bundle: `npm run build:web` writes `web/dist`, which the server serves at `/`. */
export default defineConfig({
  root,
  base: '/',
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Small enough as one chunk per entry; source maps stay out of the served bundle.
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    // `npx vite web` for development: API calls go to a server on :3000 (`npm start`).
    proxy: { '/api': { target: 'http://127.0.0.1:3000', changeOrigin: false } },
  },
});
