import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private, unlocked Secret Service (gnome-keyring on its own D-Bus session bus) under a
 * temporary HOME, for tests and benchmarks on Linux. It applies its environment to this
 * process (children inherit it), so nothing can reach the developer's real keychain.
 */
export interface ThrowawayKeychain {
  root: string;
  stop(): void;
}

export function startThrowawayKeychain(prefix = 'torus-token-keychain-'): ThrowawayKeychain {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const env = {
    HOME: join(root, 'home'),
    XDG_DATA_HOME: join(root, 'home', '.local', 'share'),
    XDG_CONFIG_HOME: join(root, 'home', '.config'),
    XDG_CACHE_HOME: join(root, 'home', '.cache'),
    XDG_RUNTIME_DIR: join(root, 'run'),
  };
  for (const dir of Object.values(env)) mkdirSync(dir, { recursive: true });
  chmodSync(env.XDG_RUNTIME_DIR, 0o700);
  Object.assign(process.env, env);
  // Never let anything reach a real session bus.
  delete process.env.DBUS_SESSION_BUS_ADDRESS;

  let busPid: number | undefined;
  if (process.platform === 'linux') {
    let out: string;
    try {
      out = execFileSync('dbus-daemon', ['--session', '--fork', '--print-address=1', '--print-pid=1'], { encoding: 'utf8', env: { ...process.env } });
    } catch (error) {
      throw new Error(`Could not start a private D-Bus session (install the "dbus" package; see .ci/run): ${(error as Error).message}`);
    }
    const [address, pid] = out.trim().split('\n');
    if (!address || !pid) throw new Error(`dbus-daemon did not report its address: ${out}`);
    busPid = Number(pid);
    process.env.DBUS_SESSION_BUS_ADDRESS = address;
    const keyring = spawnSync('gnome-keyring-daemon', ['--unlock', '--components=secrets'], {
      input: 'throwaway-password',
      encoding: 'utf8',
      env: { ...process.env },
    });
    if (keyring.status !== 0) {
      throw new Error(`gnome-keyring-daemon failed to start (install gnome-keyring; see .ci/run): ${keyring.error?.message ?? keyring.stderr}`);
    }
  }
  return {
    root,
    stop() {
      if (busPid !== undefined) {
        try {
          process.kill(busPid);
        } catch {
          // already gone
        }
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
