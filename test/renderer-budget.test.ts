/**
 * The popover's size budget: its JS (every .js file under dist/renderer/assets, gzip level 9)
 * stays within RENDERER_JS_BUDGET_BYTES. The bundle is the one the browser tests load: built
 * by `npm run build`, or by ensureRendererBuilt when it is missing or older than its sources.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureRendererBuilt, gzipSizes, RENDERER_JS_BUDGET_BYTES } from '../scripts/bench-renderer.js';

let rendererDir: string;

beforeAll(async () => {
  rendererDir = await ensureRendererBuilt();
}, 90_000);

describe('popover bundle', () => {
  it(`keeps its JS within ${RENDERER_JS_BUDGET_BYTES} bytes after gzip -9`, () => {
    const scripts = readdirSync(join(rendererDir, 'assets')).filter((name) => name.endsWith('.js'));
    expect(scripts.length, 'the build produced the popover script').toBeGreaterThan(0);
    const { js } = gzipSizes(rendererDir);
    expect(js, `dist/renderer's JS is ${js} bytes gzipped; the budget is ${RENDERER_JS_BUDGET_BYTES}`).toBeLessThanOrEqual(RENDERER_JS_BUDGET_BYTES);
  });
});
