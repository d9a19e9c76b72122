/**
 * The real-Electron smoke test (Playwright's `_electron`): the built app starts on a throwaway
 * profile (its own settings folder and keychain service) against the Torus simulator; the tray
 * exists; a tray click opens the popover, which is our page on the app scheme, sandboxed, with
 * `window.torus` from the real preload; Refresh and Copy work through it.
 *
 * It needs the Electron binary and a display. Where either is missing (as on the build
 * machines, which cannot download Electron) it is skipped, and says why. On a desktop:
 *
 *   npm run build && npx vitest run test/electron-smoke.test.ts
 *   (headless Linux: xvfb-run -a npx vitest run test/electron-smoke.test.ts)
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { startSimulator, type TorusSimulator } from '../scripts/simulator/torus-simulator.js';
import { createCore, type Core } from '../main/core/use-cases/core.js';
import { addProfile } from '../main/core/domain/profiles.js';
import { lookupToken } from '../main/core/use-cases/tokens.js';
import { distinctiveCredentials, tempDir, uniqueProfileId } from './helpers/core-fixtures.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';

/**
 * Where the Electron binary is, or why the test cannot run. Never `require('electron')`: without
 * the binary its index.js starts a download, which cannot work on a machine without internet.
 */
function electronBinary(): { path: string } | { skip: string } {
  const pkg = path.join(ROOT, 'node_modules', 'electron');
  const pathFile = path.join(pkg, 'path.txt');
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (!existsSync(pathFile) && !override) return { skip: 'the Electron binary is not installed (node_modules/electron/path.txt is missing)' };
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : 'electron';
  const binary = override ? path.join(override, relative) : path.join(pkg, 'dist', relative);
  if (!existsSync(binary)) return { skip: `the Electron binary is not installed (${path.relative(ROOT, binary)} is missing)` };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { skip: 'no display (run it under xvfb-run -a)' };
  if (!existsSync(path.join(ROOT, 'dist', 'main', 'main.js')) || !existsSync(path.join(ROOT, 'dist', 'renderer', 'index.html'))) {
    return { skip: 'the app is not built (run npm run build)' };
  }
  return { path: binary };
}

const binary = electronBinary();
const skipReason = 'skip' in binary ? binary.skip : null;
if (skipReason) console.log(`[electron-smoke] skipped: ${skipReason}`);

describe.skipIf(skipReason !== null)('the real app in real Electron', () => {
  let sim: TorusSimulator;
  let config: { path: string; remove: () => void };
  let core: Core;
  let app: ElectronApplication;
  let popover: Page;
  let profileId: string;
  const keychainService = `Torus Token Smoke ${randomBytes(4).toString('hex')}`;

  /** The app's own handle for tests (main.ts sets it only unpackaged, with TORUS_TOKEN_E2E=1). */
  const inMain = <T>(fn: string): Promise<T> => app.evaluate(new Function(`return (${fn})(globalThis.__torusTokenE2E);`) as () => T);

  beforeAll(async () => {
    sim = await startSimulator({ totpSecret: TOTP_SECRET });
    const creds = distinctiveCredentials();
    sim.update({ apiKey: creds.apiKey, apiSecret: creds.apiSecret });
    config = tempDir('torus-electron-smoke');
    core = await createCore({ configDir: config.path, keychainService, policy: { trustLoopback: true } });
    profileId = uniqueProfileId('smoke');
    await core.settings.update((draft) => {
      const p = addProfile(draft, { name: 'Smoke', baseUrl: sim.url, totpBaseUrl: sim.url, mode: 'totp' });
      draft.activeProfileId = p.id;
      draft.refresh.atLogin = false; // the Refresh button, not the start-up, makes the first call
      profileId = p.id;
    });
    await core.vault.set(profileId, 'apiKey', creds.apiKey);
    await core.vault.set(profileId, 'totpSecret', TOTP_SECRET);

    app = await _electron.launch({
      executablePath: (binary as { path: string }).path,
      args: [ROOT, '--hidden'],
      env: { ...process.env, TORUS_TOKEN_CONFIG_DIR: config.path, TORUS_TOKEN_KEYCHAIN_SERVICE: keychainService, TORUS_TOKEN_E2E: '1' } as Record<
        string,
        string
      >,
      timeout: 60_000,
    });
    popover = await app.firstWindow();
    const deadline = Date.now() + 30_000;
    while (!(await inMain<boolean>('(h) => Boolean(h)'))) {
      if (Date.now() > deadline) throw new Error('the app did not finish starting');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    for (const name of ['apiKey', 'totpSecret', 'accessToken'] as const) await core?.vault.delete(profileId, name).catch(() => undefined);
    await sim?.close();
    config?.remove();
  });

  it('has a tray icon', async () => {
    expect(await inMain<boolean>('(h) => !h.tray.isDestroyed()')).toBe(true);
  });

  it('a tray click opens the popover: our page on the app scheme, sandboxed, with the preload’s window.torus only', async () => {
    await inMain('(h) => h.tray.emit("click", {}, h.tray.getBounds(), { x: 0, y: 0 })');
    await expect
      .poll(() => app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().some((w) => w.isVisible() && w.getTitle() === 'Torus Token')), {
        timeout: 10_000,
      })
      .toBe(true);
    expect(popover.url()).toBe('torus-token://popover/index.html');
    expect(await popover.evaluate('[typeof window.torus, typeof require, typeof process]')).toEqual(['object', 'undefined', 'undefined']);
  });

  it('Refresh gets a token through the real preload and IPC; Copy puts it on the clipboard', async () => {
    const before = sim.requestCount('totp');
    await popover.getByRole('button', { name: /^refresh/i }).click();
    await expect.poll(() => inMain<string | undefined>('(h) => h.state()?.profiles[0]?.status'), { timeout: 15_000 }).toBe('fresh');
    expect(sim.requestCount('totp')).toBe(before + 1);
    const stored = await lookupToken(core, profileId);
    if (stored.kind !== 'valid') throw new Error(`no valid token stored (${stored.kind})`);
    await popover.getByRole('button', { name: /^copy$/i }).click();
    await expect.poll(() => app.evaluate(async ({ clipboard }) => clipboard.readText()), { timeout: 5_000 }).toBe(stored.token);
  });
});
