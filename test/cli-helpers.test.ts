import { describe, it, expect, afterEach, vi } from 'vitest';
import { PassThrough, Readable } from 'node:stream';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { effectiveUrls, isValidTimeoutSeconds, untrustedUrlWarnings } from '../main/cli/options.js';
import { formatDuration, formatInstant, relative, tokenJson } from '../main/cli/format.js';
import { reportFailure } from '../main/cli/report-error.js';
import { PromptCancelled, promptHidden, promptLine, readAllStdin, type CliIo } from '../main/cli/io.js';
import { waitForChange } from '../main/cli/wait-for-change.js';
import { runWithToken } from '../main/cli/run-with-token.js';
import { QUICK_SETTINGS_VERSION, quickProfile, readQuickSettings, validateQuickSettings } from '../main/cli/fast/quick-settings.js';
import { TorusError } from '../main/core/errors.js';
import { rejectionOf, tempDir } from './helpers/core-fixtures.js';

/**
 * The CLI's small parts, each with the behaviour a script or a person at the terminal sees:
 * option rules, times in output, the one-line failure report, prompts, `exec` and `wait`, and
 * the fast path's own reading of the settings. The spawned-CLI tests show them end to end;
 * these pin their edges.
 */
const MIN = 60_000;

afterEach(() => {
  vi.useRealTimers();
});

function captured(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

describe('global options', () => {
  it('--timeout is 1 to 300 seconds', () => {
    for (const ok of ['1', '1.5', '300', ' 20 ']) expect(isValidTimeoutSeconds(ok), ok).toBe(true);
    for (const bad of ['0', '0.5', '300.5', '301', '-5', 'abc', '', 'Infinity', 'NaN']) expect(isValidTimeoutSeconds(bad), bad).toBe(false);
  });

  it('a flag beats the environment; a --base-url also serves TOTP calls unless a TOTP URL is named', () => {
    const env = { TORUS_BASE_URL: ' https://env.example ', TORUS_TOTP_BASE_URL: 'https://env-totp.example' };
    expect(effectiveUrls({}, {})).toEqual({});
    expect(effectiveUrls({}, env)).toEqual({ baseUrl: 'https://env.example', totpBaseUrl: 'https://env-totp.example' });
    expect(effectiveUrls({ baseUrl: 'https://flag.example' }, env)).toEqual({ baseUrl: 'https://flag.example', totpBaseUrl: 'https://env-totp.example' });
    expect(effectiveUrls({ baseUrl: 'https://flag.example' }, {})).toEqual({ baseUrl: 'https://flag.example', totpBaseUrl: 'https://flag.example' });
    expect(effectiveUrls({ totpBaseUrl: 'https://t.example' }, env)).toEqual({ baseUrl: 'https://env.example', totpBaseUrl: 'https://t.example' });
    // The environment's TORUS_BASE_URL is only the API's: the profile's TOTP server stays.
    expect(effectiveUrls({}, { TORUS_BASE_URL: 'https://env.example', TORUS_TOTP_BASE_URL: '  ' })).toEqual({ baseUrl: 'https://env.example' });
  });

  it('a URL away from Torus is warned about once, with credentials named; Torus and loopback are not', () => {
    expect(untrustedUrlWarnings({ baseUrl: 'https://connects.torusdigital.com', totpBaseUrl: 'http://127.0.0.1:8080' })).toEqual([]);
    expect(untrustedUrlWarnings({ baseUrl: 'https://evil.example', totpBaseUrl: 'https://evil.example' })).toEqual([
      'torus-token: warning: using https://evil.example, which is not a Torus server; credentials are sent there.',
    ]);
    expect(untrustedUrlWarnings({ baseUrl: 'https://a.example', totpBaseUrl: 'https://b.example' })).toHaveLength(2);
    const long = `https://evil.example/${'x'.repeat(500)}`;
    expect(untrustedUrlWarnings({ baseUrl: long })[0]).toBe(
      `torus-token: warning: using ${long.slice(0, 200)}, which is not a Torus server; credentials are sent there.`,
    );
  });
});

describe('times in output', () => {
  it('an instant is local date and time to the minute', () => {
    expect(formatInstant(new Date(2025, 0, 5, 7, 3, 59).getTime())).toBe('2025-01-05 07:03');
    expect(formatInstant(new Date(2025, 10, 25, 23, 45).getTime())).toBe('2025-11-25 23:45');
  });

  it.each([
    [0, 'less than a minute'],
    [29_999, 'less than a minute'],
    [30_000, '1 min'],
    [59 * MIN, '59 min'],
    [60 * MIN, '1 h 0 min'],
    [(47 * 60 + 59) * MIN, '47 h 59 min'],
    [48 * 60 * MIN, '2 days'],
    [-90 * MIN, '1 h 30 min'],
  ])('%i ms is "%s"', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('relative times say "in" or "ago"', () => {
    expect(relative(10 * MIN, 0)).toBe('in 10 min');
    expect(relative(0, 0)).toBe('in less than a minute');
    expect(relative(0, 10 * MIN)).toBe('10 min ago');
  });

  it('get --json is one line with the token, its expiry and the profile', () => {
    expect(tokenJson('tok', 1_700_000_000_000, 'main')).toBe('{"token":"tok","expiresAt":1700000000000,"profile":"main"}\n');
  });
});

describe('a failure is one scrubbed line and the documented exit code', () => {
  it('the message, without anything shaped like a token, and the exit code of its kind', () => {
    const err = captured();
    const code = reportFailure(new TorusError('rejected', 'Torus said: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig is invalid.'), { stderr: err.stream }, false);
    expect(code).toBe(4);
    expect(err.text()).toBe('torus-token: Torus said: [redacted] is invalid.\n');
  });

  it('anything else is "unexpected" (exit 1) without its own text', () => {
    const err = captured();
    expect(reportFailure(new Error('secret=hunter2'), { stderr: err.stream }, false)).toBe(1);
    expect(err.text()).toBe('torus-token: Something unexpected went wrong. Try again; if it keeps failing, run with --debug and report it.\n');
  });

  it('--debug adds the kind, the status and the cause chain with error codes, a few levels deep', () => {
    const err = captured();
    const root = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    let chain: Error = root;
    for (let level = 1; level <= 5; level++) chain = new Error(`level ${level}`, { cause: chain });
    const error = new TorusError('network', 'Torus could not be reached.', { status: 502, cause: chain });
    expect(reportFailure(error, { stderr: err.stream }, true)).toBe(5);
    const lines = err.text().split('\n');
    expect(lines[0]).toBe('torus-token: Torus could not be reached.');
    expect(lines[1]).toBe('[debug] kind=network status=502');
    const causes = lines.filter((l) => l.startsWith('[debug] cause: '));
    expect(causes.map((l) => /^\[debug\] cause: Error: (level \d|connect)/.exec(l)?.[1])).toEqual(['level 5', 'level 4', 'level 3', 'level 2']);
    expect(err.text()).toContain('[debug] TorusError: Torus could not be reached.');
  });

  it('--debug shows the code of a cause that has one, and no status line part when there is none', () => {
    const err = captured();
    const cause = Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' });
    reportFailure(new TorusError('network', 'Offline.', { cause }), { stderr: err.stream }, true);
    expect(err.text()).toContain('[debug] kind=network\n');
    expect(err.text()).toMatch(/\[debug\] cause: Error: getaddrinfo ENOTFOUND x[\s\S]* \(ENOTFOUND\)\n/);
  });

  it('--debug for an error wrapped as unexpected shows its cause, not a second stack of the wrapper', () => {
    const err = captured();
    reportFailure(new RangeError('bad length'), { stderr: err.stream }, true);
    expect(err.text()).toContain('[debug] kind=unexpected\n');
    expect(err.text()).toContain('[debug] cause: RangeError: bad length');
    expect(err.text()).not.toContain('[debug] TorusError');
  });
});

describe('reading input', () => {
  it('standard input is read whole, text and bytes alike', async () => {
    expect(await readAllStdin(Readable.from(['key\n', Buffer.from('secret\n')]))).toBe('key\nsecret\n');
    expect(await readAllStdin(Readable.from([]))).toBe('');
  });

  it('too much input is a usage error that says the limit', async () => {
    const error = (await rejectionOf(() => readAllStdin(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), 1024))) as TorusError;
    expect(error).toMatchObject({ kind: 'invalid-input', message: 'Standard input is too large (over 1 KiB). Send only the values asked for, one per line.' });
    await expect(readAllStdin(Readable.from([Buffer.alloc(1024)]), 1024)).resolves.toHaveLength(1024);
  });

  function terminal(): {
    io: CliIo;
    stdin: PassThrough & { setRawMode: (mode: boolean) => void; modes: boolean[] };
    stderr: () => string;
    stdout: () => string;
  } {
    const stdin = Object.assign(new PassThrough(), { modes: [] as boolean[] }) as PassThrough & { setRawMode: (mode: boolean) => void; modes: boolean[] };
    stdin.setRawMode = (mode: boolean) => void stdin.modes.push(mode);
    const err = captured();
    const out = captured();
    return { io: { stdin, stdout: out.stream, stderr: err.stream, env: {} }, stdin, stderr: err.text, stdout: out.text };
  }

  it('a hidden prompt asks on stderr, echoes nothing, honours backspace, and restores the terminal', async () => {
    const t = terminal();
    const answer = promptHidden(t.io, 'API secret: ');
    t.stdin.write('sec\u007fcr\x1bet\bt\rignored');
    await expect(answer).resolves.toBe('secret');
    expect(t.stderr()).toBe('API secret: \n');
    expect(t.stdout()).toBe('');
    expect(t.stdin.modes).toEqual([true, false]);
  });

  it('Ctrl-C cancels; Ctrl-D cancels an empty answer and ends a typed one', async () => {
    let t = terminal();
    let answer = promptHidden(t.io, '? ');
    t.stdin.write('abc\u0003');
    await expect(answer).rejects.toBeInstanceOf(PromptCancelled);
    t = terminal();
    answer = promptHidden(t.io, '? ');
    t.stdin.write('\u0004');
    await expect(answer).rejects.toBeInstanceOf(PromptCancelled);
    t = terminal();
    answer = promptHidden(t.io, '? ');
    t.stdin.write('abc\u0004');
    await expect(answer).resolves.toBe('abc');
    expect(t.stdin.modes).toEqual([true, false]);
  });

  it('a terminal that closes before Enter never leaves the prompt waiting', async () => {
    let t = terminal();
    let answer = promptHidden(t.io, '? ');
    t.stdin.end();
    await expect(answer).rejects.toBeInstanceOf(PromptCancelled);
    t = terminal();
    answer = promptHidden(t.io, '? ');
    t.stdin.end('typed');
    await expect(answer).resolves.toBe('typed');
  });

  it('a yes/no question reads one line; a closed input answers with nothing', async () => {
    let t = terminal();
    const yes = promptLine(t.io, 'Approve? [y/N] ');
    t.stdin.write('yes\nmore\n');
    await expect(yes).resolves.toBe('yes');
    expect(t.stderr()).toBe('Approve? [y/N] ');
    t = terminal();
    const none = promptLine(t.io, 'Approve? [y/N] ');
    t.stdin.end();
    await expect(none).resolves.toBe('');
  });
});

describe('wait and exec', () => {
  it('waiting ends as soon as something in the folder changes', async () => {
    const dir = tempDir('torus-wait');
    try {
      const waited = waitForChange(dir.path, 600_000);
      setTimeout(() => writeFileSync(join(dir.path, 'config.json'), '{}'), 50);
      await waited; // a missed change would leave this waiting past the test's time limit
    } finally {
      dir.remove();
    }
  });

  it('with no change it waits the full time, also for a folder that does not exist yet', async () => {
    const dir = tempDir('torus-wait');
    vi.useFakeTimers();
    try {
      for (const folder of [dir.path, join(dir.path, 'not-yet')]) {
        let done = false;
        void waitForChange(folder, 60_000).then(() => (done = true));
        await vi.advanceTimersByTimeAsync(59_999);
        expect(done).toBe(false);
        await vi.advanceTimersByTimeAsync(1);
        expect(done).toBe(true);
      }
    } finally {
      vi.useRealTimers();
      dir.remove();
    }
  });

  it('exec gives the command the token in its environment and exits with its status', async () => {
    const dir = tempDir('torus-exec');
    try {
      const seen = join(dir.path, 'seen');
      const status = await runWithToken(['sh', '-c', `printf %s "$TORUS_ACCESS_TOKEN,$KEEP" > '${seen}'; exit 7`], { ...process.env, KEEP: 'kept' }, 'tok-123');
      expect(status).toBe(7);
      expect(readFileSync(seen, 'utf8')).toBe('tok-123,kept');
    } finally {
      dir.remove();
    }
  });

  it('a command killed by a signal exits 128 + the signal number, as a shell reports it', async () => {
    expect(await runWithToken(['sh', '-c', 'kill -TERM $$'], process.env, 't')).toBe(143);
    expect(await runWithToken(['sh', '-c', 'kill -KILL $$'], process.env, 't')).toBe(137);
    expect(await runWithToken(['sh', '-c', 'kill -HUP $$'], process.env, 't')).toBe(129);
  });

  it('signals sent to the CLI reach the command, and the CLI stops listening when it ends', async () => {
    const signals = ['SIGHUP', 'SIGINT', 'SIGTERM'] as const;
    const counts = () => signals.map((signal) => process.listenerCount(signal));
    const all = counts();
    const running = runWithToken(['sleep', '30'], process.env, 't');
    await vi.waitFor(() => expect(counts()).toEqual(all.map((n) => n + 1)));
    await new Promise((resolve) => setTimeout(resolve, 100)); // let sleep start
    process.emit('SIGHUP', 'SIGHUP');
    expect(await running).toBe(129);
    expect(counts()).toEqual(all);
  });

  it('nothing to run, or a command that does not exist, is a usage error naming it', async () => {
    expect(await rejectionOf(() => runWithToken([], process.env, 't'))).toMatchObject({
      kind: 'invalid-input',
      message: 'Nothing to run. Usage: torus-token exec -- COMMAND [ARGS...]',
    });
    expect(await rejectionOf(() => runWithToken(['no-such-command-xyz'], process.env, 't'))).toMatchObject({
      kind: 'invalid-input',
      message: 'Command not found: no-such-command-xyz',
    });
    const dir = tempDir('torus-exec');
    try {
      mkdirSync(join(dir.path, 'a-folder'));
      expect(await rejectionOf(() => runWithToken([join(dir.path, 'a-folder')], process.env, 't'))).toMatchObject({
        message: `Could not run ${join(dir.path, 'a-folder')} (EACCES).`,
      });
    } finally {
      dir.remove();
    }
  });
});

describe("the fast path's own reading of the settings", () => {
  const valid = () => ({
    schemaVersion: QUICK_SETTINGS_VERSION,
    activeProfileId: 'algo',
    profiles: [
      { id: 'main', name: ' Main ', mode: 'totp' },
      { id: 'algo', name: 'Algo' },
    ],
    tokens: { main: { expiresAt: 5, fingerprint: '0123abcd', source: 'totp' } },
    refresh: { cutoffZone: 'Nowhere/Unread' },
  });

  it('reads the profiles (names trimmed), the active one and the token records, and nothing else', () => {
    expect(validateQuickSettings(valid())).toEqual({
      activeProfileId: 'algo',
      profiles: [
        { id: 'main', name: 'Main' },
        { id: 'algo', name: 'Algo' },
      ],
      tokens: { main: { expiresAt: 5, fingerprint: '0123abcd' } },
    });
    expect(validateQuickSettings({ schemaVersion: QUICK_SETTINGS_VERSION })).toEqual({ activeProfileId: null, profiles: [], tokens: {} });
  });

  it.each([
    ['not an object', () => []],
    ['an older version', () => ({ ...valid(), schemaVersion: 1 })],
    ['no version', () => ({ ...valid(), schemaVersion: undefined })],
    ['a bad active id', () => ({ ...valid(), activeProfileId: 'Bad Id' })],
    ['an active id of the wrong type', () => ({ ...valid(), activeProfileId: 5 })],
    ['profiles not a list', () => ({ ...valid(), profiles: {} })],
    ['too many profiles', () => ({ ...valid(), profiles: Array.from({ length: 21 }, (_, n) => ({ id: `p${n}`, name: `P${n}` })) })],
    ['a profile id that is not a slug', () => ({ ...valid(), profiles: [{ id: '-main', name: 'Main' }] })],
    ['a profile id too long', () => ({ ...valid(), profiles: [{ id: `a${'b'.repeat(40)}`, name: 'Main' }] })],
    ['a profile without a name', () => ({ ...valid(), profiles: [{ id: 'main' }] })],
    ['a blank name', () => ({ ...valid(), profiles: [{ id: 'main', name: '   ' }] })],
    ['a name too long', () => ({ ...valid(), profiles: [{ id: 'main', name: 'x'.repeat(41) }] })],
    ['a profile that is not an object', () => ({ ...valid(), profiles: ['main'] })],
    ['tokens not an object', () => ({ ...valid(), tokens: [] })],
    ['a token record under a bad id', () => ({ ...valid(), tokens: { 'Main!': { expiresAt: 5, fingerprint: '0123abcd' } } })],
    ['a token record that is not an object', () => ({ ...valid(), tokens: { main: 5 } })],
    ['a fractional expiry', () => ({ ...valid(), tokens: { main: { expiresAt: 5.5, fingerprint: '0123abcd' } } })],
    ['a negative expiry', () => ({ ...valid(), tokens: { main: { expiresAt: -1, fingerprint: '0123abcd' } } })],
    ['an expiry as text', () => ({ ...valid(), tokens: { main: { expiresAt: '5', fingerprint: '0123abcd' } } })],
    ['a bad fingerprint', () => ({ ...valid(), tokens: { main: { expiresAt: 5, fingerprint: '0123ABCD' } } })],
    ['a fingerprint too long', () => ({ ...valid(), tokens: { main: { expiresAt: 5, fingerprint: '0123abcd0' } } })],
    ['a missing fingerprint', () => ({ ...valid(), tokens: { main: { expiresAt: 5 } } })],
  ])('%s: declined, for the full CLI to repair and report', (_what, make) => {
    expect(validateQuickSettings(make())).toBeNull();
  });

  it('reads config.json from the folder; no file or damaged JSON is declined', () => {
    const dir = tempDir('torus-quick');
    try {
      expect(readQuickSettings(dir.path)).toBeNull();
      writeFileSync(join(dir.path, 'config.json'), '{"schemaVersion": 2,');
      expect(readQuickSettings(dir.path)).toBeNull();
      writeFileSync(join(dir.path, 'config.json'), JSON.stringify(valid()));
      expect(readQuickSettings(dir.path)?.activeProfileId).toBe('algo');
    } finally {
      dir.remove();
    }
  });

  it('finds the profile as the full CLI does: id, then name, any case; else the active one, else the first', () => {
    const settings = validateQuickSettings(valid())!;
    expect(quickProfile(settings, ' MAIN ')?.id).toBe('main');
    expect(quickProfile(settings, 'Algo')?.id).toBe('algo');
    expect(quickProfile(settings, 'nobody')).toBeNull();
    expect(quickProfile(settings, undefined)?.id).toBe('algo');
    expect(quickProfile({ ...settings, activeProfileId: 'gone' }, undefined)?.id).toBe('main');
    expect(quickProfile({ ...settings, activeProfileId: null, profiles: [] }, undefined)).toBeNull();
    // An id wins over another profile's name.
    const tricky = { ...settings, profiles: [{ id: 'x', name: 'main' }, ...settings.profiles] };
    expect(quickProfile(tricky, 'main')?.id).toBe('main');
  });
});
