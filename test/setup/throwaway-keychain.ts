import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup: on Linux, start a private D-Bus session and an unlocked gnome-keyring
 * (Secret Service) under a temporary HOME, and point every test worker and spawned CLI at
 * it. The developer's real keychain is never reachable from the tests. If the keyring cannot
 * start, the run fails: keychain tests are never skipped.
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'torus-token-test-'));
  const env = {
    HOME: join(root, 'home'),
    XDG_DATA_HOME: join(root, 'home', '.local', 'share'),
    XDG_CONFIG_HOME: join(root, 'home', '.config'),
    XDG_CACHE_HOME: join(root, 'home', '.cache'),
    XDG_RUNTIME_DIR: join(root, 'run'),
    TORUS_TOKEN_CONFIG_DIR: join(root, 'config-should-be-overridden-per-test'),
  };
  for (const dir of [env.HOME, env.XDG_DATA_HOME, env.XDG_CONFIG_HOME, env.XDG_CACHE_HOME, env.XDG_RUNTIME_DIR]) mkdirSync(dir, { recursive: true });
  chmodSync(env.XDG_RUNTIME_DIR, 0o700);
  Object.assign(process.env, env);
  // Never let a test reach a real session bus, on any platform.
  delete process.env.DBUS_SESSION_BUS_ADDRESS;

  let busPid: number | undefined;
  if (process.platform === 'linux') {
    const out = execFileSync('dbus-daemon', ['--session', '--fork', '--print-address=1', '--print-pid=1'], { encoding: 'utf8', env: { ...process.env } });
    const [address, pid] = out.trim().split('\n');
    if (!address || !pid) throw new Error(`dbus-daemon did not report its address: ${out}`);
    busPid = Number(pid);
    process.env.DBUS_SESSION_BUS_ADDRESS = address;
    const keyring = spawnSync('gnome-keyring-daemon', ['--unlock', '--components=secrets'], { input: 'throwaway-test-password', encoding: 'utf8', env: { ...process.env } });
    if (keyring.status !== 0) {
      throw new Error(`gnome-keyring-daemon failed to start (install gnome-keyring; see .ci/run): ${keyring.error?.message ?? keyring.stderr}`);
    }
    process.env.TORUS_TEST_KEYCHAIN = 'gnome-keyring';
  }

  return () => {
    if (busPid !== undefined) {
      try {
        process.kill(busPid);
      } catch {
        // already gone
      }
    }
    rmSync(root, { recursive: true, force: true });
  };
}
