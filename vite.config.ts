import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

/**
 * The popover (renderer) build. Everything is local: no remote fonts, images or scripts, and
 * relative asset URLs (`base: './'`) so the packaged app can load it from a file:// URL.
 */
const rendererRoot = fileURLToPath(new URL('./renderer', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/renderer', import.meta.url));

/**
 * Vite's dev server injects component CSS through <style> elements for hot reload, which the
 * strict `style-src 'self'` policy blocks. During `vite serve` only, allow inline styles; the
 * built popover keeps the strict policy from renderer/index.html untouched.
 */
function devOnlyInlineStyles(): Plugin {
  return {
    name: 'torus-dev-inline-styles',
    apply: 'serve',
    transformIndexHtml(html) {
      return html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");
    },
  };
}

export default defineConfig({
  root: rendererRoot,
  base: './',
  plugins: [svelte({ configFile: false, compilerOptions: { discloseVersion: false } }), devOnlyInlineStyles()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'chrome130',
    // No inline polyfill script and no data: URLs for assets: the CSP stays strict.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    reportCompressedSize: false,
  },
  server: { host: '127.0.0.1', strictPort: false },
});
