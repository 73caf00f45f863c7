/**
 * Three builds into dist/, one per `vite build --mode NAME` (npm run build runs all three):
 *
 *   console    dist/console/index.html, its code and styles under dist/console/assets/,
 *              and the public/ folder copied as is (dist/widget-demo/).
 *   dashboard  dist/dashboard/index.html and dist/dashboard/assets/.
 *   widget     dist/widget/switchboard-widget.js: one self-contained ES module (library build),
 *              its styles inlined as a string and applied as a constructable stylesheet.
 *
 * Each app keeps its files under its own path, so the server serves exactly /console/,
 * /dashboard/, /widget/ and /widget-demo/. No build writes inline scripts or styles (the server's
 * CSP forbids them): the module preload polyfill, Vite's only inline script, is turned off.
 *
 * Without a mode (npm run dev, vitest) this is the dev server, with /api and /ws proxied to a
 * Switchboard on 127.0.0.1:8080 (its allowed_origins must then list the dev server's origin).
 */
import { defineConfig } from 'vitest/config';

const DEV_SERVER = 'http://127.0.0.1:8080';

const common = {
  target: 'es2022',
  modulePreload: { polyfill: false },
  assetsInlineLimit: 0,
  sourcemap: false,
  reportCompressedSize: false,
} as const;

export default defineConfig(({ mode }) => {
  if (mode === 'console' || mode === 'dashboard') {
    return {
      publicDir: mode === 'console' ? 'public' : false,
      build: {
        ...common,
        outDir: 'dist',
        emptyOutDir: mode === 'console',
        assetsDir: `${mode}/assets`,
        rolldownOptions: { input: `${mode}/index.html` },
      },
    };
  }
  if (mode === 'widget') {
    return {
      publicDir: false,
      build: {
        ...common,
        outDir: 'dist/widget',
        emptyOutDir: false,
        minify: true,
        // library builds keep whitespace by default; this file is served to the public as is
        rolldownOptions: { output: { minify: true } },
        lib: {
          entry: 'src/widget/switchboard-widget.ts',
          formats: ['es'],
          fileName: () => 'switchboard-widget.js',
        },
      },
    };
  }
  return {
    server: {
      proxy: {
        '/api': DEV_SERVER,
        '/ws': { target: DEV_SERVER, ws: true },
      },
    },
    test: {
      include: ['src/**/*.test.ts'],
      environment: 'node',
      restoreMocks: true,
    },
  };
});
