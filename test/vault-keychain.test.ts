import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { KeytarBackend, Vault, SECRET_NAMES, KEYCHAIN_SERVICE, type SecretName } from '../main/core/infra/keychain.js';
import { TorusError } from '../main/core/errors.js';
import { startBareSessionBus, type BareBus } from './helpers/bare-dbus.js';
import { uniqueProfileId } from './helpers/core-fixtures.js';

/** The vault on the real (throwaway) Secret Service started by the global setup. */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUILT_VAULT = join(ROOT, 'dist', 'main', 'core', 'infra', 'keychain.js');
const SOURCES = ['infra/keychain.ts', 'errors.ts'].map((f) => join(ROOT, 'main', 'core', f));

const vault = new Vault();
const created: string[] = [];

function profile(prefix: string): string {
  const id = uniqueProfileId(prefix);
  created.push(id);
  return id;
}

function valuesFor(id: string): Record<SecretName, string> {
  return {
    apiKey: `${id}-api-key`,
    apiSecret: `${id}-api-secret-ü-✓`,
    requestToken: `${id}-request-token`,
    totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DP',
    accessToken: `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(id).toString('base64url')}.sig`,
    approvals: '["0123456789abcdef01234567"]',
  };
}

afterAll(async () => {
  for (const id of created) await vault.deleteProfile(id).catch(() => undefined);
});

describe('Vault on the system keychain', () => {
  it('uses the "Torus Token" keychain service and the six documented entries', () => {
    expect(KEYCHAIN_SERVICE).toBe('Torus Token');
    expect([...SECRET_NAMES]).toEqual(['apiKey', 'apiSecret', 'requestToken', 'totpSecret', 'accessToken', 'approvals']);
  });

  it('round-trips every secret per profile, and profiles do not see each other', async () => {
    const a = profile('vault-a');
    const b = profile('vault-b');
    const va = valuesFor(a);
    const vb = valuesFor(b);
    for (const name of SECRET_NAMES) {
      await vault.set(a, name, va[name]);
      await vault.set(b, name, vb[name]);
    }
    for (const name of SECRET_NAMES) {
      expect(await vault.get(a, name)).toBe(va[name]);
      expect(await vault.get(b, name)).toBe(vb[name]);
      expect(await vault.has(a, name)).toBe(true);
    }
    // Overwrite replaces in place.
    await vault.set(a, 'accessToken', 'replaced-access-token');
    expect(await vault.get(a, 'accessToken')).toBe('replaced-access-token');
    expect(await vault.get(b, 'accessToken')).toBe(vb.accessToken);
  });

  it('reads a missing entry as null and refuses to store an empty value', async () => {
    const id = profile('vault-missing');
    expect(await vault.get(id, 'apiKey')).toBeNull();
    expect(await vault.has(id, 'apiKey')).toBe(false);
    await expect(vault.set(id, 'apiKey', '')).rejects.toMatchObject({ kind: 'invalid-input' });
    expect(await vault.get(id, 'apiKey')).toBeNull();
  });

  it('delete removes one entry; deleteProfile removes all of them and leaves other profiles alone', async () => {
    const id = profile('vault-del');
    const other = profile('vault-keep');
    const v = valuesFor(id);
    for (const name of SECRET_NAMES) await vault.set(id, name, v[name]);
    await vault.set(other, 'apiKey', 'other-profile-key');
    expect(await vault.delete(id, 'requestToken')).toBe(true);
    expect(await vault.get(id, 'requestToken')).toBeNull();
    expect(await vault.delete(id, 'requestToken')).toBe(false);
    await vault.deleteProfile(id);
    for (const name of SECRET_NAMES) expect(await vault.get(id, name)).toBeNull();
    expect(await vault.get(other, 'apiKey')).toBe('other-profile-key');
    await vault.deleteProfile(id); // idempotent
  });
});

describe('Vault.setMany (regression: a keychain failure part-way mixed old and new credentials)', () => {
  /** The real keychain, except that writing `failOn` fails (as a locked keychain would). */
  function flakyVault(failOn: SecretName): Vault {
    const real = new KeytarBackend();
    return new Vault({
      get: (s, a) => real.get(s, a),
      delete: (s, a) => real.delete(s, a),
      set: (s, a, v) => (a.endsWith(`/${failOn}`) ? Promise.reject(new TorusError('keychain-unavailable', 'locked')) : real.set(s, a, v)),
    });
  }

  it('puts back the values written before the failure, and deletes ones that did not exist', async () => {
    const id = profile('vault-many');
    await vault.set(id, 'apiKey', 'old-api-key');
    await vault.set(id, 'apiSecret', 'old-api-secret');
    const flaky = flakyVault('requestToken');
    await expect(
      flaky.setMany(id, [
        ['apiKey', 'new-api-key'],
        ['apiSecret', 'new-api-secret'],
        ['totpSecret', 'JBSWY3DPEHPK3PXPJBSWY3DP'],
        ['requestToken', 'new-request-token'],
      ]),
    ).rejects.toMatchObject({ kind: 'keychain-unavailable' });
    expect(await vault.get(id, 'apiKey')).toBe('old-api-key');
    expect(await vault.get(id, 'apiSecret')).toBe('old-api-secret');
    expect(await vault.get(id, 'totpSecret')).toBeNull();
    expect(await vault.get(id, 'requestToken')).toBeNull();
  });

  it('writes them all when nothing fails, and refuses an empty value before writing any', async () => {
    const id = profile('vault-many-ok');
    await vault.setMany(id, [
      ['apiKey', 'k-1234'],
      ['apiSecret', 's-1234'],
    ]);
    expect(await vault.get(id, 'apiKey')).toBe('k-1234');
    await expect(
      vault.setMany(id, [
        ['apiKey', 'k-5678'],
        ['apiSecret', ''],
      ]),
    ).rejects.toMatchObject({ kind: 'invalid-input' });
    expect(await vault.get(id, 'apiKey')).toBe('k-1234');
  });
});

describe('Vault without a Secret Service', () => {
  let bus: BareBus | undefined;

  beforeAll(() => {
    const stale = !existsSync(BUILT_VAULT) || SOURCES.some((src) => statSync(src).mtimeMs > statSync(BUILT_VAULT).mtimeMs);
    if (stale) {
      // Emits even when unrelated files have type errors; the check below is what matters.
      spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
    }
    expect(existsSync(BUILT_VAULT)).toBe(true);
    bus = startBareSessionBus();
  }, 60_000);

  afterAll(() => bus?.stop());

  it('reports keychain-unavailable (never a plaintext fallback) for get and set', () => {
    const secretValue = 'must-never-appear-anywhere-0451';
    const script = `
      const { Vault } = await import(${JSON.stringify(pathToFileURL(BUILT_VAULT).href)});
      const vault = new Vault();
      const out = {};
      for (const [op, fn] of [['get', () => vault.get('probe', 'apiKey')], ['set', () => vault.set('probe', 'apiKey', ${JSON.stringify(secretValue)})]]) {
        try { await fn(); out[op] = { kind: 'no error' }; }
        catch (e) { out[op] = { kind: e.kind, message: e.message, name: e.name }; }
      }
      process.stdout.write(JSON.stringify(out));
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 15_000,
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: bus!.address },
    });
    expect(child.status, child.stderr).toBe(0);
    const out = JSON.parse(child.stdout) as Record<'get' | 'set', { kind: string; message?: string; name?: string }>;
    for (const op of ['get', 'set'] as const) {
      expect(out[op].kind, `${op}: ${out[op].message}`).toBe('keychain-unavailable');
      expect(out[op].name).toBe('TorusError');
      expect(out[op].message).toMatch(/Secret Service/);
      expect(out[op].message).toMatch(/never stores secrets in plain text/);
      expect(out[op].message).not.toContain(secretValue);
    }
    expect(child.stdout + child.stderr).not.toContain(secretValue);
  });
});

describe('a keychain library that cannot be loaded', () => {
  it('says so (not "locked"), with the fix, and the same on every call', async () => {
    const missing = new KeytarBackend(() => {
      throw Object.assign(new Error("Cannot find module '../build/Release/keytar.node'"), { code: 'MODULE_NOT_FOUND' });
    });
    const vault = new Vault(missing, 'Torus Token test missing');
    for (const call of [() => vault.get('p', 'apiKey'), () => vault.set('p', 'apiKey', 'x'), () => vault.delete('p', 'apiKey')]) {
      const error = await call().then(
        () => null,
        (e: unknown) => e as TorusError,
      );
      expect(error?.kind).toBe('keychain-unavailable');
      expect(error?.message).toContain('the keychain library could not be loaded');
      expect(error?.message).not.toMatch(/locked/);
    }
  });
});
