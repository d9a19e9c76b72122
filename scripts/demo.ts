/**
 * `npm run demo`: try every feature with no Torus account. Starts the Torus simulator, sets
 * up a "Demo" profile (its own settings folder and keychain service, so real credentials are
 * never touched) and launches the app. Sign in with any 6-digit OTP on the simulator's page.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator } from './simulator/torus-simulator.js';
import { createCore } from '../main/core/use-cases/core.js';
import { addProfile } from '../main/core/domain/profiles.js';

const DEMO_SERVICE = 'Torus Token Demo';
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

async function main(): Promise<void> {
  const port = Number(process.env.DEMO_PORT ?? 7878);
  const options = { tokenKind: 'jwt', tokenLifetimeSeconds: 8 * 3600, requestTokenReuse: 'single' } as const;
  // The port may be taken (an `npm run simulator` already running): any free one will do.
  const sim = await startSimulator({ ...options, port }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE') throw error;
    return startSimulator({ ...options, port: 0 });
  });
  const configDir = process.env.TORUS_TOKEN_CONFIG_DIR ?? join(tmpdir(), `torus-token-demo-${process.getuid?.() ?? 'user'}`);
  mkdirSync(configDir, { recursive: true });

  const core = await createCore({ configDir, keychainService: DEMO_SERVICE });
  const vault = core.vault;
  await core.settings.update((draft) => {
    let demo = draft.profiles.find((p) => p.id === 'demo');
    if (!demo) demo = addProfile(draft, { name: 'Demo', baseUrl: sim.url, totpBaseUrl: sim.url });
    demo.baseUrl = sim.url;
    demo.totpBaseUrl = sim.url;
    draft.activeProfileId = demo.id;
  });
  try {
    await vault.set('demo', 'apiKey', 'demo-api-key');
    await vault.set('demo', 'apiSecret', 'demo-api-secret');
    await vault.set('demo', 'totpSecret', 'JBSWY3DPEHPK3PXP');
  } catch (error) {
    console.error(`The demo needs a system keychain: ${(error as Error).message}`);
    await sim.close();
    process.exitCode = 6;
    return;
  }

  const env = { ...process.env, TORUS_TOKEN_CONFIG_DIR: configDir, TORUS_TOKEN_KEYCHAIN_SERVICE: DEMO_SERVICE };
  console.log(`Torus simulator: ${sim.url} (any 6-digit OTP signs you in)`);
  console.log(`Demo settings:   ${configDir}`);
  console.log('The CLI works against the same demo profile:');
  console.log(`  TORUS_TOKEN_CONFIG_DIR='${configDir}' TORUS_TOKEN_KEYCHAIN_SERVICE='${DEMO_SERVICE}' npx torus-token status`);

  let electronPath: string;
  try {
    electronPath = createRequire(import.meta.url)('electron') as unknown as string;
  } catch {
    electronPath = '';
  }
  const app = spawn(electronPath || 'electron', [repoRoot], { env, stdio: 'inherit' });
  const stop = async () => {
    app.kill();
    await sim.close();
  };
  process.on('SIGINT', () => void stop());
  app.on('error', (error) => {
    console.error(`\nThe Electron app could not start (${error.message}). The simulator keeps running for the CLI; press Ctrl-C to stop.`);
  });
  app.on('exit', (code) => {
    if (code !== 0 && code !== null) {
      console.error(`\nThe Electron app exited with ${code}. On machines without the Electron binary the simulator and CLI still work; Ctrl-C stops them.`);
      return;
    }
    void sim.close();
  });
}

await main();
