import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private D-Bus session bus with NO Secret Service on it and no service activation (so
 * the bus cannot auto-start gnome-keyring from /usr/share/dbus-1/services). Used to prove
 * that the vault reports keychain-unavailable instead of falling back to plain text.
 */
export interface BareBus {
  address: string;
  pid: number;
  stop(): void;
}

export function startBareSessionBus(): BareBus {
  const dir = mkdtempSync(join(tmpdir(), 'torus-bare-bus-'));
  const config = join(dir, 'session.conf');
  writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  );
  const out = execFileSync('dbus-daemon', [`--config-file=${config}`, '--fork', '--print-address=1', '--print-pid=1'], { encoding: 'utf8' });
  const [address, pid] = out.trim().split('\n');
  if (!address || !pid) throw new Error(`dbus-daemon did not report its address: ${out}`);
  return {
    address,
    pid: Number(pid),
    stop() {
      try {
        process.kill(Number(pid));
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
