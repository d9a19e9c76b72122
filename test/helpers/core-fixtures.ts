import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';

/** Small shared helpers for the core tests (no mocks: real loopback HTTP, real keychain). */

/** Distinctive credentials, so that any leak into a message or file is easy to grep for. */
export function distinctiveCredentials(): { apiKey: string; apiSecret: string } {
  return {
    apiKey: `key-${randomBytes(8).toString('hex')}`,
    apiSecret: `secret-${randomBytes(12).toString('hex')}`,
  };
}

/** A profile id that no other test (or concurrently running test file) uses. */
export function uniqueProfileId(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`.slice(0, 40);
}

/** An injected `sleep` that returns at once and records every requested delay. */
export function recordingSleep(): { sleep: (ms: number, signal?: AbortSignal) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: (ms: number) => {
      delays.push(ms);
      return Promise.resolve();
    },
  };
}

export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A loopback URL on which nothing listens (a port we bound and released). */
export async function closedLoopbackUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Runs `fn` and returns what it threw (failing the test when it did not throw). */
export async function rejectionOf(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the call succeeded');
}

/**
 * The morning after: the profile's stored token expired an hour ago, in the settings and in the
 * keychain, without waiting on the clock (a short-lived token makes a test race a loaded machine).
 */
export async function expireStoredToken(configDir: string, profileId: string): Promise<void> {
  const { createCore } = await import('../../main/core/use-cases/core.js');
  const core = await createCore({ configDir });
  const expired = Date.now() - 3_600_000;
  await core.settings.update((d) => {
    const meta = d.tokens[profileId];
    if (meta) meta.expiresAt = expired;
  });
  const stored = await core.vault.getToken(profileId);
  if (stored?.meta) await core.vault.setToken(profileId, stored.token, { ...stored.meta, expiresAt: expired });
}
