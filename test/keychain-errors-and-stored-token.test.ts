import { describe, expect, it } from 'vitest';
import {
  decodeStoredToken,
  encodeStoredToken,
  keychainServiceFor,
  KEYCHAIN_SERVICE,
  KeytarBackend,
  Vault,
  type KeytarModule,
  type SecretBackend,
} from '../main/core/infra/keychain.js';
import { TorusError } from '../main/core/errors.js';
import { fingerprint } from '../main/core/domain/redact.js';
import type { TokenMeta } from '../main/core/domain/settings-schema.js';

/**
 * What the user is told when the keychain fails (keytar's own messages, as the platforms give
 * them), and how a stored token is read back, whatever wrote it. The real keychain's behaviour
 * is in vault-keychain.test.ts.
 */

function failingKeytar(message: string): KeytarModule {
  const fail = () => Promise.reject(new Error(message));
  return { getPassword: fail, setPassword: fail, deletePassword: fail };
}

async function errorOf(promise: Promise<unknown>): Promise<TorusError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TorusError);
  return error as TorusError;
}

describe('a failing keychain is explained in words that point at the fix', () => {
  it.each([
    ['The name org.freedesktop.secrets was not provided by any .service files', 'no Secret Service is running'],
    ['Cannot autolaunch D-Bus without X11 $DISPLAY', 'no D-Bus session is available'],
    ['Cannot create an item in a locked collection', 'the keychain is locked or the unlock prompt was dismissed'],
    ['User canceled the operation.', 'the keychain is locked or the unlock prompt was dismissed'],
    ['libsecret-1.so.0: cannot open shared object file', 'the keychain library could not be loaded'],
    ['The specified item could not be found in the keychain.', 'the keychain refused the request'],
  ])('%s → "%s"', async (keytarMessage, detail) => {
    const vault = new Vault(new KeytarBackend(() => failingKeytar(keytarMessage)), 'Torus Token test');
    for (const call of [vault.get('p', 'apiKey'), vault.set('p', 'apiKey', 'value'), vault.delete('p', 'apiKey')]) {
      const error = await errorOf(call);
      expect(error.kind).toBe('keychain-unavailable');
      expect(error.message).toBe(
        `The system keychain is not available (${detail}). On Linux install and unlock a Secret Service provider such as gnome-keyring or KeePassXC; on macOS/Windows unlock your login keychain. Torus Token never stores secrets in plain text.`,
      );
      // keytar's own text is kept for --debug, not shown.
      expect((error.cause as Error).message).toBe(keytarMessage);
    }
  });

  it('the native module is loaded once, on first use (commands that need no secret never load it)', async () => {
    let loads = 0;
    const store = new Map<string, string>();
    const backend = new KeytarBackend(() => {
      loads++;
      return {
        getPassword: async (s, a) => store.get(`${s}|${a}`) ?? null,
        setPassword: async (s, a, v) => void store.set(`${s}|${a}`, v),
        deletePassword: async (s, a) => store.delete(`${s}|${a}`),
      };
    });
    expect(loads).toBe(0);
    const vault = new Vault(backend, 'svc');
    await vault.set('p', 'apiKey', 'k');
    expect(await vault.get('p', 'apiKey')).toBe('k');
    expect(await vault.delete('p', 'apiKey')).toBe(true);
    expect(loads).toBe(1);
  });
});

describe('the keychain service name', () => {
  it('is "Torus Token" unless the demo (or a test) names its own; a blank override is ignored', () => {
    expect(keychainServiceFor({})).toBe(KEYCHAIN_SERVICE);
    expect(keychainServiceFor({ TORUS_TOKEN_KEYCHAIN_SERVICE: '  Torus Token Demo ' })).toBe('Torus Token Demo');
    expect(keychainServiceFor({ TORUS_TOKEN_KEYCHAIN_SERVICE: '   ' })).toBe(KEYCHAIN_SERVICE);
    expect(keychainServiceFor({ TORUS_TOKEN_KEYCHAIN_SERVICE: '' })).toBe(KEYCHAIN_SERVICE);
  });
});

describe('Vault over any backend', () => {
  function memory(): SecretBackend & { writes: string[]; items: Map<string, string> } {
    const items = new Map<string, string>();
    const writes: string[] = [];
    return {
      items,
      writes,
      get: async (_s, a) => items.get(a) ?? null,
      set: async (_s, a, v) => {
        writes.push(a);
        items.set(a, v);
      },
      delete: async (_s, a) => items.delete(a),
    };
  }

  it('an empty item (left by another tool) reads as missing', async () => {
    const backend = memory();
    backend.items.set('p/apiKey', '');
    const vault = new Vault(backend, 'svc');
    expect(await vault.get('p', 'apiKey')).toBeNull();
    expect(await vault.has('p', 'apiKey')).toBe(false);
  });

  it('setMany refuses an empty value, saying so, before it writes anything', async () => {
    const backend = memory();
    const vault = new Vault(backend, 'svc');
    const error = await errorOf(
      vault.setMany('p', [
        ['apiKey', 'k'],
        ['apiSecret', ''],
      ]),
    );
    expect(error).toMatchObject({ kind: 'invalid-input', message: 'An empty value cannot be saved to the keychain.' });
    expect(backend.writes).toEqual([]);
    const single = await errorOf(vault.set('p', 'apiKey', ''));
    expect(single.message).toBe('An empty value cannot be saved to the keychain.');
  });

  it('setMany undoes its writes newest first when a later one fails', async () => {
    const backend = memory();
    backend.items.set('p/apiKey', 'old-key');
    const order: string[] = [];
    const failing: SecretBackend = {
      get: backend.get,
      delete: async (s, a) => (order.push(`delete ${a}`), backend.delete(s, a)),
      set: async (s, a, v) => {
        if (a === 'p/requestToken') throw new Error('Cannot create an item in a locked collection');
        order.push(`set ${a}=${v}`);
        return backend.set(s, a, v);
      },
    };
    const vault = new Vault(failing, 'svc');
    await expect(
      vault.setMany('p', [
        ['apiKey', 'new-key'],
        ['apiSecret', 'new-secret'],
        ['requestToken', 'rt'],
      ]),
    ).rejects.toThrow('locked collection');
    expect(order).toEqual(['set p/apiKey=new-key', 'set p/apiSecret=new-secret', 'delete p/apiSecret', 'set p/apiKey=old-key']);
    expect([...backend.items]).toEqual([['p/apiKey', 'old-key']]);
  });
});

describe('a stored token and its expiry, read back', () => {
  const token = 'eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.sig';
  const meta: TokenMeta = {
    issuedAt: 1_700_000_000_000,
    expiresAt: 1_700_030_000_000,
    expirySource: 'daily-cutoff',
    jwtExpiresAt: null,
    source: 'totp',
    fingerprint: fingerprint(token),
    exportRetracted: false,
  };

  it('round-trips the token and the expiry fields; the fingerprint is computed, not stored', () => {
    const raw = encodeStoredToken(token, { ...meta, exportRetracted: true });
    expect(raw.startsWith('{"v":1,')).toBe(true);
    expect(raw).not.toContain(meta.fingerprint);
    expect(decodeStoredToken(raw)).toEqual({ token, meta });
    const jwt = { ...meta, expirySource: 'jwt' as const, jwtExpiresAt: 1_700_020_000_000, source: 'request-token' as const };
    expect(decodeStoredToken(encodeStoredToken(token, jwt))).toEqual({ token, meta: jwt });
  });

  it('a bare token (stored by an older version) is the token, its expiry unknown here', () => {
    expect(decodeStoredToken(token)).toEqual({ token, meta: null });
    expect(decodeStoredToken('{"v":2,"token":"x"}')).toEqual({ token: '{"v":2,"token":"x"}', meta: null });
  });

  it('damaged records never invent an expiry: broken JSON, no token, or an unknown field value', () => {
    const base = JSON.parse(encodeStoredToken(token, meta)) as Record<string, unknown>;
    const broken = '{"v":1,"token":"abc"';
    expect(decodeStoredToken(broken)).toEqual({ token: broken, meta: null });
    const noToken = JSON.stringify({ ...base, token: '' });
    expect(decodeStoredToken(noToken)).toEqual({ token: noToken, meta: null });
    for (const damage of [{ issuedAt: -1 }, { expiresAt: 'soon' }, { expiresAt: Number.POSITIVE_INFINITY }, { expirySource: 'guess' }, { source: 'sso' }]) {
      expect(decodeStoredToken(JSON.stringify({ ...base, ...damage })), JSON.stringify(damage)).toEqual({ token, meta: null });
    }
    // Zero is a time (the epoch), not a missing one; a fractional one is cut to whole ms.
    expect(decodeStoredToken(JSON.stringify({ ...base, issuedAt: 0, expiresAt: 5.7 }))?.meta).toMatchObject({ issuedAt: 0, expiresAt: 5 });
    expect(decodeStoredToken(JSON.stringify({ ...base, jwtExpiresAt: 'x' }))?.meta?.jwtExpiresAt).toBeNull();
  });
});
