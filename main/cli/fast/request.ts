/**
 * The command lines the fast path answers by itself: `get`, `exec` and `wait` with the options
 * scripts use. Anything else (help, --debug, a typo, a repeated or unusual option) returns null
 * and goes to the full CLI, whose parser (commander) then gives the documented answer.
 */
export interface GlobalFlags {
  baseUrl?: string;
  totpBaseUrl?: string;
  /** The per-attempt timeout of Torus calls (validated, unused: the fast path calls nobody). */
  timeout?: string;
}

export type QuickRequest =
  | { command: 'get'; profile?: string; json: boolean; refreshIfStale: boolean; globals: GlobalFlags }
  | { command: 'exec'; profile?: string; argv: string[]; globals: GlobalFlags }
  | { command: 'wait'; profile?: string; globals: GlobalFlags };

type ValueOption = 'baseUrl' | 'totpBaseUrl' | 'timeout' | 'profile';
type FlagOption = 'json' | 'refreshIfStale' | 'yes';

const GLOBAL_VALUES: Record<string, ValueOption> = { '--base-url': 'baseUrl', '--totp-base-url': 'totpBaseUrl', '--timeout': 'timeout' };
const COMMAND_VALUES: Record<QuickRequest['command'], Record<string, ValueOption>> = {
  get: { ...GLOBAL_VALUES, '--profile': 'profile', '-p': 'profile' },
  exec: { ...GLOBAL_VALUES, '--profile': 'profile', '-p': 'profile' },
  // `wait --timeout` is how long to wait: the full CLI handles it.
  wait: { '--base-url': 'baseUrl', '--totp-base-url': 'totpBaseUrl', '--profile': 'profile', '-p': 'profile' },
};
const COMMAND_FLAGS: Record<QuickRequest['command'], Record<string, FlagOption>> = {
  get: { '--json': 'json', '--refresh-if-stale': 'refreshIfStale', '-y': 'yes', '--yes': 'yes' },
  exec: { '-y': 'yes', '--yes': 'yes' },
  wait: { '-y': 'yes', '--yes': 'yes' },
};

interface Parsed {
  values: Partial<Record<ValueOption, string>>;
  flags: Set<FlagOption>;
}

/** Reads one option at argv[i]; returns the next index, or null when the fast path must decline. */
function readOption(argv: readonly string[], i: number, values: Record<string, ValueOption>, flags: Record<string, FlagOption>, into: Parsed): number | null {
  const arg = argv[i]!;
  const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
  const name = eq > 0 ? arg.slice(0, eq) : arg;
  const valueKey = values[name];
  if (valueKey !== undefined) {
    const value = eq > 0 ? arg.slice(eq + 1) : argv[i + 1];
    // A repeated option or a value that looks like an option: the full parser decides.
    if (value === undefined || value.startsWith('-') || into.values[valueKey] !== undefined) return null;
    into.values[valueKey] = value;
    return eq > 0 ? i + 1 : i + 2;
  }
  const flagKey = eq > 0 ? undefined : flags[name];
  if (flagKey === undefined || into.flags.has(flagKey)) return null;
  into.flags.add(flagKey);
  return i + 1;
}

export function parseQuickRequest(argv: readonly string[]): QuickRequest | null {
  const before: Parsed = { values: {}, flags: new Set() };
  let i = 0;
  // Options before the command: only the global ones.
  while (i < argv.length && argv[i]!.startsWith('-')) {
    const next = readOption(argv, i, GLOBAL_VALUES, { '-y': 'yes', '--yes': 'yes' }, before);
    if (next === null) return null;
    i = next;
  }
  const command = argv[i];
  if (command !== 'get' && command !== 'exec' && command !== 'wait') return null;
  i++;
  // After the command: its own options, and the global ones again (the later one would win in
  // the full parser; a repeat declines here instead).
  const after: Parsed = { values: { ...before.values }, flags: new Set(before.flags) };
  let rest: string[] = [];
  while (i < argv.length) {
    const arg = argv[i]!;
    if (command === 'exec' && arg === '--') {
      rest = argv.slice(i + 1);
      break;
    }
    if (!arg.startsWith('-') || arg === '-' || arg === '--') {
      if (command !== 'exec') return null;
      rest = argv.slice(i);
      break;
    }
    const next = readOption(argv, i, COMMAND_VALUES[command], COMMAND_FLAGS[command], after);
    if (next === null) return null;
    i = next;
  }
  const { profile, baseUrl, totpBaseUrl, timeout } = after.values;
  const globals: GlobalFlags = {
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(totpBaseUrl === undefined ? {} : { totpBaseUrl }),
    ...(timeout === undefined ? {} : { timeout }),
  };
  const named = profile === undefined ? {} : { profile };
  if (command === 'get') return { command, ...named, json: after.flags.has('json'), refreshIfStale: after.flags.has('refreshIfStale'), globals };
  if (command === 'wait') return { command, ...named, globals };
  return rest.length > 0 ? { command, ...named, argv: rest, globals } : null;
}
