import { describe, it, expect } from 'vitest';
import { PassThrough } from 'node:stream';
import { runCli } from '../main/cli/program.js';
import { SETTING_KEYS } from '../main/cli/settings-command.js';
import type { CliIo } from '../main/cli/io.js';

/**
 * The CLI's help is its manual: every command and option is listed with what it does, on
 * stdout, with exit 0; a typo gets a suggestion and exit 2. Run in-process (no settings, no
 * keychain are touched by help or by a usage error).
 */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const io: CliIo = { stdin: new PassThrough(), stdout, stderr, env: { TORUS_TOKEN_CONFIG_DIR: '/nonexistent/torus-help-test' } };
  const code = await runCli(argv, io);
  return { code, stdout: out, stderr: err };
}

/** Help text with commander's line wrapping and column padding undone: single spaces. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

const COMMANDS: Array<[string, string]> = [
  ['login [options]', 'save API key, API secret and a request token (or TOTP secret) to the keychain, and get the first token'],
  ['request-token [options] [token]', 'save a fresh request token (bare, or the redirect URL) from standard input and exchange it for a token now'],
  ['refresh [options]', 'get a new access token from Torus now'],
  ['get [options]', 'print the current access token'],
  ['wait [options]', 'wait until a usable token exists (e.g. until you sign in), then print it'],
  ['exec [options] <command...>', 'run a command with TORUS_ACCESS_TOKEN set (refreshing first if stale)'],
  ['status [options]', "show the token's state, age and expiry"],
  ['verify [options]', 'ask Torus whether the stored token still works'],
  ['profiles [options]', 'list profiles (the active one is starred)'],
  ['logout [options]', "delete a profile's secrets and token from the keychain"],
  ['settings [options]', "show the settings (the same as the app's Settings view)"],
  ['login-url [options]', 'print the Torus sign-in address that issues a new request token'],
];

const PROFILE = ['-p, --profile <name>', 'profile name or id (default: the active profile)'];
const OPTIONS: Record<string, string[][]> = {
  login: [
    PROFILE,
    ['--mode <mode>', 'how tokens are obtained (choices: "request-token", "totp")'],
    ['--stdin', 'read the three values as lines from standard input'],
  ],
  'request-token': [
    PROFILE,
    ['--print', 'also print the new access token on stdout'],
    ['token', 'the token or redirect URL (discouraged: it lands in shell history)'],
  ],
  refresh: [PROFILE, ['--print', 'also print the token on stdout']],
  get: [
    PROFILE,
    ['--refresh-if-stale', 'refresh first when the token has expired or is missing'],
    ['--json', 'print {"token","expiresAt","profile"} instead of the bare token'],
  ],
  wait: [PROFILE, ['--timeout <seconds>', 'give up after this many seconds (exit 3); default: wait as long as it takes']],
  exec: [PROFILE, ['command', 'the command and its arguments, after --']],
  status: [PROFILE, ['--json', 'machine-readable output']],
  verify: [PROFILE],
  profiles: [
    ['--use <name>', 'make this profile the active one'],
    ['--json', 'machine-readable output'],
  ],
  logout: [PROFILE, ['--remove-profile', 'also delete the profile from the settings']],
  settings: [PROFILE, ['--json', 'machine-readable output']],
  'login-url': [PROFILE],
};

describe('torus-token --help', () => {
  it('lists every command with what it does, and the global options', async () => {
    const { code, stdout, stderr } = await cli('--help');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const text = flat(stdout);
    expect(text).toMatch(/^Usage: torus-token \[options\] \[command\] Daily Torus Digital Connects access tokens from your system keychain\. /);
    for (const [usage, description] of COMMANDS) expect(text).toContain(` ${usage} ${description} `);
    for (const [flag, description] of [
      ['--base-url <url>', 'Torus base URL (beats TORUS_BASE_URL and the profile setting)'],
      ['--totp-base-url <url>', 'Torus TOTP base URL (beats TORUS_TOTP_BASE_URL; default: --base-url, then the profile)'],
      ['--timeout <seconds>', 'timeout per attempt (up to 3 attempts), in seconds'],
      ['--debug', 'show diagnostic details (never secrets)'],
      ['-y, --yes', 'approve changes that send credentials or the token elsewhere (for scripts)'],
    ])
      expect(text).toContain(` ${flag} ${description} `);
  });

  it.each(Object.entries(OPTIONS))('%s --help: its own options, described, and not the hidden global ones', async (name, options) => {
    const { code, stdout } = await cli(name, '--help');
    expect(code).toBe(0);
    const text = flat(stdout);
    expect(text).toMatch(new RegExp(`^Usage: torus-token ${name} `));
    expect(text).toContain(` ${COMMANDS.find(([usage]) => usage.split(' ')[0] === name)![1]} `);
    for (const [flag, description] of options) expect(text).toContain(` ${flag} ${description} `);
    expect(text).not.toContain('--base-url');
    expect(text).not.toContain('--debug');
  });

  it('settings set --help names every setting that can be changed', async () => {
    const { code, stdout } = await cli('settings', 'set', '--help');
    expect(code).toBe(0);
    expect(flat(stdout)).toContain(`change one setting: ${Object.keys(SETTING_KEYS).join(', ')}`);
    expect(flat(stdout)).toContain(' key the setting ');
    expect(flat(stdout)).toContain(' value its new value ');
  });

  it('"help COMMAND" is the same as "COMMAND --help"', async () => {
    expect((await cli('help', 'get')).stdout).toBe((await cli('get', '--help')).stdout);
  });
});

describe('usage errors say what is wrong, with exit 2, before touching anything', () => {
  it('a mistyped command gets a suggestion', async () => {
    expect(await cli('gte')).toEqual({ code: 2, stdout: '', stderr: "error: unknown command 'gte'\n(Did you mean get?)\n" });
  });

  it.each(['0', '301', 'soon'])('--timeout %s', async (value) => {
    expect(await cli('--timeout', value, 'get')).toEqual({
      code: 2,
      stdout: '',
      stderr: `torus-token: --timeout must be a number of seconds between 1 and 300 (got "${value}").\n`,
    });
  });

  it('a long bad --timeout value is cut short in the message', async () => {
    const { stderr } = await cli('get', '--timeout', 'x'.repeat(100));
    expect(stderr).toBe(`torus-token: --timeout must be a number of seconds between 1 and 300 (got "${'x'.repeat(20)}").\n`);
  });

  it('a mode that does not exist is refused by name', async () => {
    const { code, stderr } = await cli('login', '--mode', 'password');
    expect(code).toBe(2);
    expect(stderr).toContain("error: option '--mode <mode>' argument 'password' is invalid. Allowed choices are request-token, totp.");
  });
});
