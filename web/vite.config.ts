import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// The local backend stack listens here by default; the dev server forwards API, WebSocket
// and runtime-config requests to it so the SPA behaves exactly as when served same-origin.
const LOCAL_BACKEND = 'http://127.0.0.1:8000';

export default defineConfig({
  base: '/',
  plugins: [react()],
  server: {
    // The signaling schemas and the photo capture rules are the backend's own files (imported by
    // src/call/protocol.ts and src/cases/qualityGate.ts).
    fs: { allow: ['.', '../functions/signaling', '../functions/images'] },
    proxy: {
      '/api': { target: LOCAL_BACKEND, changeOrigin: true },
      '/ws': { target: LOCAL_BACKEND, changeOrigin: true, ws: true },
      '/config.json': { target: LOCAL_BACKEND, changeOrigin: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
