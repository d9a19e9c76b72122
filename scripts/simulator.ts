/**
 * CLI: run the Torus Connects API simulator on loopback until Ctrl-C.
 *
 *   node dist/scripts/simulator.js [--port N] [--host 127.0.0.1] [--api-key K] [--api-secret S]
 *     [--totp-secret BASE32] [--token-kind jwt|opaque] [--token-lifetime SECONDS]
 *     [--request-token-reuse single|reusable] [--request-token-lifetime SECONDS]
 *     [--end-url URL] [--fault NAME]
 *
 * The credentials it prints are fake demo values.
 */
import { parseArgs } from 'node:util';
import { SIMULATOR_DEFAULTS, SIMULATOR_FAULTS, startSimulator } from './simulator/torus-simulator.js';
import type { SimulatorOptions } from './simulator/torus-simulator.js';

const USAGE = `Usage: simulator [options]

Runs a loopback simulator of the Torus Digital Connects API.

Options:
  --port N                         port to listen on (default 7878; 0 = any free port)
  --host HOST                      host to bind (default 127.0.0.1)
  --api-key K                      demo API key (default ${SIMULATOR_DEFAULTS.apiKey})
  --api-secret S                   demo API secret (default ${SIMULATOR_DEFAULTS.apiSecret})
  --totp-secret BASE32             TOTP secret (default ${SIMULATOR_DEFAULTS.totpSecret})
  --token-kind jwt|opaque          access token format (default jwt)
  --token-lifetime SECONDS         access token lifetime (default ${SIMULATOR_DEFAULTS.tokenLifetimeSeconds})
  --request-token-reuse single|reusable
                                   whether a request token works more than once (default single)
  --request-token-lifetime SECONDS request token lifetime (default ${SIMULATOR_DEFAULTS.requestTokenLifetimeSeconds})
  --end-url URL                    where the SSO page redirects (default <simulator>/callback)
  --fault NAME                     start with a fault on the session routes:
                                   ${SIMULATOR_FAULTS.join(', ')}
  -h, --help                       show this help
`;

class UsageError extends Error {}

function positiveSeconds(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`${flag} must be a positive number of seconds, got "${raw}"`);
  }
  return value;
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return 7878;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(value) || value < 0 || value > 65535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, got "${raw}"`);
  }
  return value;
}

function oneOf<T extends string>(flag: string, raw: string | undefined, allowed: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'api-key': { type: 'string' },
        'api-secret': { type: 'string' },
        'totp-secret': { type: 'string' },
        'token-kind': { type: 'string' },
        'token-lifetime': { type: 'string' },
        'request-token-reuse': { type: 'string' },
        'request-token-lifetime': { type: 'string' },
        'end-url': { type: 'string' },
        fault: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  if (v.help === true) {
    process.stdout.write(USAGE);
    return;
  }

  const options: SimulatorOptions = {
    host: v.host ?? SIMULATOR_DEFAULTS.host,
    port: parsePort(v.port),
    apiKey: v['api-key'] ?? SIMULATOR_DEFAULTS.apiKey,
    apiSecret: v['api-secret'] ?? SIMULATOR_DEFAULTS.apiSecret,
    totpSecret: v['totp-secret'] ?? SIMULATOR_DEFAULTS.totpSecret,
  };
  const tokenKind = oneOf('--token-kind', v['token-kind'], ['jwt', 'opaque'] as const);
  if (tokenKind !== undefined) options.tokenKind = tokenKind;
  const tokenLifetime = positiveSeconds('--token-lifetime', v['token-lifetime']);
  if (tokenLifetime !== undefined) options.tokenLifetimeSeconds = tokenLifetime;
  const reuse = oneOf('--request-token-reuse', v['request-token-reuse'], ['single', 'reusable'] as const);
  if (reuse !== undefined) options.requestTokenReuse = reuse;
  const rtLifetime = positiveSeconds('--request-token-lifetime', v['request-token-lifetime']);
  if (rtLifetime !== undefined) options.requestTokenLifetimeSeconds = rtLifetime;
  if (v['end-url'] !== undefined) {
    try {
      new URL(v['end-url']);
    } catch {
      throw new UsageError(`--end-url must be an absolute URL, got "${v['end-url']}"`);
    }
    options.endUrl = v['end-url'];
  }
  const fault = oneOf('--fault', v.fault, SIMULATOR_FAULTS);

  let sim;
  try {
    sim = await startSimulator(options);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'EADDRINUSE') {
      throw new UsageError(`port ${options.port} is already in use; pick another with --port N (or --port 0)`);
    }
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
  if (fault !== undefined) sim.setFault(fault);

  const requestToken = sim.issueRequestToken();
  const loginUrl = `${sim.url}/connect/login/${encodeURIComponent(options.apiKey ?? SIMULATOR_DEFAULTS.apiKey)}`;
  const rtLifetimeShown = options.requestTokenLifetimeSeconds ?? SIMULATOR_DEFAULTS.requestTokenLifetimeSeconds;
  const reuseShown = options.requestTokenReuse ?? SIMULATOR_DEFAULTS.requestTokenReuse;
  const lines = [
    '',
    `Torus Connects API simulator listening on ${sim.url}`,
    '',
    '  Demo credentials (fake, for the simulator only):',
    `    API key      ${options.apiKey}`,
    `    API secret   ${options.apiSecret}`,
    `    TOTP secret  ${options.totpSecret}`,
    '',
    `  Request token (pre-issued, ${reuseShown === 'single' ? 'single use' : 'reusable'}, valid ${rtLifetimeShown} s):`,
    `    ${requestToken}`,
    '    Save everything in one go:',
    `    printf '%s\\n' '${options.apiKey}' '${options.apiSecret}' '${requestToken}' | npx torus-token login --stdin --base-url ${sim.url}`,
    `    (TOTP instead: npx torus-token login --mode totp --base-url ${sim.url}, with the TOTP secret as the third line)`,
    '',
    `  Login page (any 6-digit OTP): ${loginUrl}`,
    ...(fault !== undefined && fault !== 'none' ? ['', `  Fault active on session routes: ${fault}`] : []),
    '',
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nStopping simulator...\n');
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`simulator: ${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  process.stderr.write(`simulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
