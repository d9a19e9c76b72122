/**
 * The idle day, counted: the monitor's timer fires per profile over a simulated 24 h with fresh
 * tokens (one request-token profile, one TOTP profile), against the real core, keychain and
 * simulator on a fake clock. The baseline is what a 60 s ticker would cost: 1440 fires a day.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore } from '../main/core/use-cases/core.js';
import { ProfileMonitor } from '../main/core/use-cases/monitor.js';
import { refresh } from '../main/core/use-cases/tokens.js';
import { addProfile } from '../main/core/domain/profiles.js';
import { startSimulator } from './simulator/torus-simulator.js';
import { FakeClock, flush } from '../test/helpers/fake-clock.js';
import type { Figure } from './bench.js';

const DAY = 24 * 3_600_000;
const TICKER_FIRES_PER_DAY = DAY / 60_000;
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DP';

export async function benchIdleDay(): Promise<Figure[]> {
  // 09:00 IST on a Tuesday.
  const clock = new FakeClock(Date.UTC(2025, 0, 14, 3, 30));
  const sim = await startSimulator({ totpSecret: TOTP_SECRET, tokenKind: 'opaque', now: () => clock.now() });
  const configDir = mkdtempSync(join(tmpdir(), 'torus-bench-idle-'));
  const core = await createCore({
    configDir,
    now: () => clock.now(),
    http: { sleep: () => Promise.resolve(), random: () => 0.5 },
    policy: { trustLoopback: true },
  });
  const ids: string[] = [];
  let monitor: ProfileMonitor | undefined;
  try {
    for (const mode of ['request-token', 'totp'] as const) {
      let id = '';
      await core.settings.update((draft) => {
        id = addProfile(draft, { name: `idle-${mode}-${process.pid}`, mode, baseUrl: sim.url, totpBaseUrl: sim.url }).id;
      });
      ids.push(id);
      await core.vault.set(id, 'apiKey', 'demo-api-key');
      await core.vault.set(id, 'apiSecret', 'demo-api-secret');
      if (mode === 'totp') await core.vault.set(id, 'totpSecret', TOTP_SECRET);
      else await core.vault.set(id, 'requestToken', sim.issueRequestToken());
      await refresh(core, id, 'manual');
    }
    const perProfile = new Map<string, number>();
    const m = new ProfileMonitor(core, clock, { onTick: (id) => perProfile.set(id, (perProfile.get(id) ?? 0) + 1) });
    monitor = m;
    m.rearmAll();
    await clock.advanceBy(DAY, async () => {
      await flush();
      await m.settled();
    });
    return ids.map((id, i) => {
      const value = perProfile.get(id) ?? 0;
      return {
        name: `idle 24 h, timer fires, ${i === 0 ? 'request-token' : 'TOTP'} profile (vs a 60 s ticker)`,
        value,
        unit: 'fires',
        baseline: TICKER_FIRES_PER_DAY,
        ratio: value / TICKER_FIRES_PER_DAY,
      };
    });
  } finally {
    monitor?.stop();
    for (const id of ids) await core.vault.deleteProfile(id).catch(() => undefined);
    await sim.close();
    rmSync(configDir, { recursive: true, force: true });
  }
}
