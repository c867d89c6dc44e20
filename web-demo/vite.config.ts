import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// Two pages: the fan page (/) and the organiser dashboard (/admin.html). The SDK is imported by its package name,
// so the demo bundles the built package (client-sdk/dist) the way an application that installs it would.
// `npm run dev -w @frontrow/web-demo` proxies the API and sockets to a server on :3000 (`npm start`).
const api = process.env.FRONTROW_URL ?? 'http://localhost:3000';
const root = import.meta.dirname;

export default defineConfig({
  root,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: { fan: resolve(root, 'index.html'), admin: resolve(root, 'admin.html') },
    },
  },
  server: {
    proxy: {
      '/api': api,
      '/socket.io': { target: api, ws: true },
      '/docs': api,
      '/openapi.json': api,
    },
  },
});
