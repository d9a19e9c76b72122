import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { Secret, TOTP } from 'otpauth';
import { startSimulator } from '../scripts/simulator/torus-simulator.js';
import type { SimulatorOptions, TorusSimulator } from '../scripts/simulator/torus-simulator.js';

const API_KEY = 'demo-api-key';
const API_SECRET = 'demo-api-secret';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';
const T0 = Date.UTC(2025, 0, 15, 9, 0, 0); // fixed clock for deterministic tests

let sim: TorusSimulator;
let clock = T0;

async function start(opts: SimulatorOptions = {}): Promise<TorusSimulator> {
  clock = T0;
  sim = await startSimulator({ now: () => clock, ...opts });
  return sim;
}

afterEach(async () => {
  await sim.close();
});

function generate(requestToken: string | undefined, body: unknown = { API_KEY, API_SECRET }): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (requestToken !== undefined) headers['Token'] = requestToken;
  return fetch(`${sim.url}/api/v1/session/generate`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function totpCode(at: number, secret = TOTP_SECRET): string {
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: at });
}

function totpLogin(code: string, apiKey = API_KEY): Promise<Response> {
  return fetch(`${sim.url}/api/v1/session/totp/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ API_KEY: apiKey, TOTP: code }),
  });
}

function status(token: string | undefined): Promise<Response> {
  return fetch(`${sim.url}/api/v1/market/status`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

async function accessToken(): Promise<string> {
  const res = await generate(sim.issueRequestToken());
  expect(res.status).toBe(200);
  const json = (await res.json()) as { AccessToken: string };
  return json.AccessToken;
}

function decodeJwtPayload(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (part === undefined) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('simulator basics', () => {
  beforeEach(async () => {
    await start();
  });

  it('listens on loopback with an ephemeral port', () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.port).toBeGreaterThan(0);
    expect(sim.url.endsWith(`:${sim.port}`)).toBe(true);
  });

  it('returns 404 JSON for unknown routes and 405 for wrong methods', async () => {
    const nf = await fetch(`${sim.url}/nope`);
    expect(nf.status).toBe(404);
    expect(await nf.json()).toMatchObject({ status: 'error' });
    const wm = await fetch(`${sim.url}/api/v1/session/generate`);
    expect(wm.status).toBe(405);
    expect(wm.headers.get('allow')).toBe('POST');
  });

  it('logs every request with lowercased headers and the body', async () => {
    const rt = sim.issueRequestToken();
    await generate(rt);
    expect(sim.requests).toHaveLength(1);
    const entry = sim.requests[0]!;
    expect(entry.method).toBe('POST');
    expect(entry.path).toBe('/api/v1/session/generate');
    expect(entry.headers['token']).toBe(rt);
    expect(entry.headers['content-type']).toBe('application/json');
    expect(JSON.parse(entry.body)).toEqual({ API_KEY, API_SECRET });
    expect(entry.at).toBe(T0);
    expect(sim.requestCount('generate')).toBe(1);
    expect(sim.requestCount('totp')).toBe(0);
    sim.resetLog();
    expect(sim.requests).toHaveLength(0);
    expect(sim.requestCount('generate')).toBe(0);
  });
});

describe('POST /api/v1/session/generate', () => {
  beforeEach(async () => {
    await start();
  });

  it('issues a JWT access token for a valid request token and credentials', async () => {
    const res = await generate(sim.issueRequestToken());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const { AccessToken } = (await res.json()) as { AccessToken: string };
    expect(AccessToken.split('.')).toHaveLength(3);
    const payload = decodeJwtPayload(AccessToken);
    expect(payload).toEqual({ sub: API_KEY, iat: T0 / 1000, exp: T0 / 1000 + 8 * 3600 });
  });

  it('rejects a wrong API key or secret with 401', async () => {
    const rt = sim.issueRequestToken();
    const badSecret = await generate(rt, { API_KEY, API_SECRET: 'wrong' });
    expect(badSecret.status).toBe(401);
    expect(await badSecret.json()).toEqual({ status: 'error', message: 'Invalid API key or secret' });
    const badKey = await generate(rt, { API_KEY: 'other', API_SECRET });
    expect(badKey.status).toBe(401);
    // A credential failure does not burn the request token.
    expect((await generate(rt)).status).toBe(200);
  });

  it('rejects a missing or unknown request token with 401', async () => {
    const missing = await generate(undefined);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { message: string }).message).toMatch(/request token is invalid or expired/i);
    const unknown = await generate('not-a-token');
    expect(unknown.status).toBe(401);
  });

  it('rejects bad JSON with 400', async () => {
    const res = await generate(sim.issueRequestToken(), '{"API_KEY": ');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 'error' });
  });

  it('accepts a request token only once in single mode', async () => {
    const rt = sim.issueRequestToken();
    expect((await generate(rt)).status).toBe(200);
    const again = await generate(rt);
    expect(again.status).toBe(401);
    expect(((await again.json()) as { message: string }).message).toMatch(/invalid or expired/i);
  });

  it('accepts a request token repeatedly in reusable mode', async () => {
    sim.update({ requestTokenReuse: 'reusable' });
    const rt = sim.issueRequestToken();
    expect((await generate(rt)).status).toBe(200);
    expect((await generate(rt)).status).toBe(200);
    expect((await generate(rt)).status).toBe(200);
  });

  it('expires request tokens after their lifetime', async () => {
    sim.update({ requestTokenReuse: 'reusable', requestTokenLifetimeSeconds: 60 });
    const rt = sim.issueRequestToken();
    clock = T0 + 59_000;
    expect((await generate(rt)).status).toBe(200);
    clock = T0 + 60_000;
    expect((await generate(rt)).status).toBe(401);
  });

  it('issues opaque 40-hex tokens when configured', async () => {
    sim.update({ tokenKind: 'opaque' });
    const token = await accessToken();
    expect(token).toMatch(/^[0-9a-f]{40}$/);
    expect((await status(token)).status).toBe(200);
  });

  it('applies credential changes made with update()', async () => {
    sim.update({ apiKey: 'k2', apiSecret: 's2' });
    const rt = sim.issueRequestToken();
    expect((await generate(rt)).status).toBe(401);
    expect((await generate(rt, { API_KEY: 'k2', API_SECRET: 's2' })).status).toBe(200);
  });
});

describe('POST /api/v1/session/totp/generate', () => {
  beforeEach(async () => {
    await start();
  });

  it('issues an access token for a valid TOTP code', async () => {
    const res = await totpLogin(totpCode(T0));
    expect(res.status).toBe(200);
    const { AccessToken } = (await res.json()) as { AccessToken: string };
    expect(decodeJwtPayload(AccessToken)).toMatchObject({ sub: API_KEY });
    expect((await status(AccessToken)).status).toBe(200);
    expect(sim.requests[0]!.headers['token']).toBeUndefined();
  });

  it('accepts the adjacent period (window 1) but not older codes', async () => {
    expect((await totpLogin(totpCode(T0 - 30_000))).status).toBe(200);
    expect((await totpLogin(totpCode(T0 + 30_000))).status).toBe(200);
    expect((await totpLogin(totpCode(T0 - 90_000))).status).toBe(401);
  });

  it('rejects a wrong code, a malformed code and a wrong API key with 401', async () => {
    const good = totpCode(T0);
    const wrong = String((Number(good) + 1) % 1_000_000).padStart(6, '0');
    const res = await totpLogin(wrong);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ status: 'error' });
    expect((await totpLogin('12345')).status).toBe(401);
    expect((await totpLogin(good, 'other-key')).status).toBe(401);
  });

  it('uses a TOTP secret changed with update()', async () => {
    const other = 'KRSXG5CTMVRXEZLU';
    sim.update({ totpSecret: other });
    expect((await totpLogin(totpCode(T0, other))).status).toBe(200);
  });
});

describe('GET /api/v1/market/status', () => {
  beforeEach(async () => {
    await start({ tokenLifetimeSeconds: 3600 });
  });

  it('answers 200 for a valid token', async () => {
    const res = await status(await accessToken());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'success',
      message: 'Success',
      data: [{ exchange: 'NSE', status: 'open' }],
    });
  });

  it('answers 401 for missing, unknown, expired and revoked tokens', async () => {
    expect((await status(undefined)).status).toBe(401);
    expect((await status('garbage')).status).toBe(401);

    const token = await accessToken();
    clock = T0 + 3600_000;
    const expired = await status(token);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ status: 'error' });

    clock = T0;
    const fresh = await accessToken();
    expect((await status(fresh)).status).toBe(200);
    sim.revokeAccessTokens();
    expect((await status(fresh)).status).toBe(401);
    expect(sim.requestCount('status')).toBe(5);
  });
});

describe('SSO login pages', () => {
  beforeEach(async () => {
    await start();
  });

  it('serves a self-contained OTP page for the known API key', async () => {
    const res = await fetch(`${sim.url}/connect/login/${API_KEY}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<form method="post"');
    expect(html).toContain('name="otp"');
    expect(html).toContain('demo OTP: 123456');
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(sim.requestCount('login')).toBe(1);
  });

  it('answers 404 for an unknown API key', async () => {
    const res = await fetch(`${sim.url}/connect/login/someone-else`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('redirects to the callback with a working request token after the OTP', async () => {
    const res = await fetch(`${sim.url}/connect/login/${API_KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'otp=123456',
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(`${sim.url}/callback`);
    const rt = location.searchParams.get('REQUEST_TOKEN');
    expect(rt).toBeTruthy();
    expect((await generate(rt!)).status).toBe(200);

    const cb = await fetch(location);
    expect(cb.status).toBe(200);
    expect(await cb.text()).toContain('You can close this window');
  });

  it('redirects to a configured end URL, keeping its query', async () => {
    sim.update({ endUrl: 'http://127.0.0.1:1/cb?state=xyz' });
    const res = await fetch(`${sim.url}/connect/login/${API_KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'otp=000000',
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe('http://127.0.0.1:1/cb');
    expect(location.searchParams.get('state')).toBe('xyz');
    expect(location.searchParams.get('REQUEST_TOKEN')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('re-shows the form for a malformed OTP', async () => {
    const res = await fetch(`${sim.url}/connect/login/${API_KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'otp=12',
      redirect: 'manual',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('name="otp"');
  });
});

describe('faults', () => {
  beforeEach(async () => {
    await start();
  });

  it('reject-401 and reject-403 answer with that status until cleared', async () => {
    sim.setFault('reject-401');
    const r1 = await generate(sim.issueRequestToken());
    expect(r1.status).toBe(401);
    expect(await r1.json()).toMatchObject({ status: 'error' });
    expect((await totpLogin(totpCode(T0))).status).toBe(401);

    sim.setFault('reject-403');
    const r2 = await generate(sim.issueRequestToken());
    expect(r2.status).toBe(403);
    expect(await r2.json()).toMatchObject({ status: 'error' });
    expect((await generate(sim.issueRequestToken())).status).toBe(403);

    sim.setFault('none');
    expect((await generate(sim.issueRequestToken())).status).toBe(200);
  });

  it('faults only hit the chosen routes (default generate + totp)', async () => {
    const token = await accessToken();
    sim.setFault('reject-403');
    expect((await status(token)).status).toBe(200);
    sim.setFault('reject-403', { routes: ['status'] });
    expect((await status(token)).status).toBe(403);
    expect((await generate(sim.issueRequestToken())).status).toBe(200);
  });

  it('server-error-burst gives 503 for the burst, then normal behaviour', async () => {
    sim.setFault('server-error-burst');
    const rt = sim.issueRequestToken();
    expect((await generate(rt)).status).toBe(503);
    expect((await generate(rt)).status).toBe(503);
    // The request token was not consumed by the failed attempts.
    expect((await generate(rt)).status).toBe(200);

    sim.setFault('server-error-burst', { burst: 1 });
    expect((await totpLogin(totpCode(T0))).status).toBe(503);
    expect((await totpLogin(totpCode(T0))).status).toBe(200);
  });

  it('rate-limit gives 429 with Retry-After for the burst, then normal behaviour', async () => {
    sim.setFault('rate-limit');
    const first = await generate(sim.issueRequestToken());
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('1');
    expect((await generate(sim.issueRequestToken())).status).toBe(200);

    sim.setFault('rate-limit', { burst: 2, retryAfterSeconds: 7 });
    const a = await generate(sim.issueRequestToken());
    const b = await totpLogin(totpCode(T0));
    expect([a.status, b.status]).toEqual([429, 429]);
    expect(b.headers.get('retry-after')).toBe('7');
    expect((await totpLogin(totpCode(T0))).status).toBe(200);
  });

  it('hang accepts the request and never answers', async () => {
    sim.setFault('hang');
    await expect(
      fetch(`${sim.url}/api/v1/session/generate`, {
        method: 'POST',
        headers: { Token: sim.issueRequestToken(), 'content-type': 'application/json' },
        body: JSON.stringify({ API_KEY, API_SECRET }),
        signal: AbortSignal.timeout(150),
      }),
    ).rejects.toThrow();
    expect(sim.requestCount('generate')).toBe(1);
  });

  it('close() terminates hanging requests', async () => {
    sim.setFault('hang');
    const pending = generate(sim.issueRequestToken());
    const outcome = pending.then(
      () => 'answered',
      () => 'failed',
    );
    while (sim.requestCount('generate') === 0) await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    await sim.close();
    expect(await outcome).toBe('failed');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('reset destroys the connection without an answer', async () => {
    sim.setFault('reset');
    await expect(generate(sim.issueRequestToken())).rejects.toThrow();
    expect(sim.requestCount('generate')).toBe(1);
    sim.setFault('none');
    expect((await generate(sim.issueRequestToken())).status).toBe(200);
  });

  it('html-error answers 200 text/html', async () => {
    sim.setFault('html-error');
    const res = await generate(sim.issueRequestToken());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toBe('<html><body>Service unavailable</body></html>');
  });

  it('trailing-comma answers in the documented style with a valid token', async () => {
    sim.setFault('trailing-comma');
    const res = await generate(sim.issueRequestToken());
    expect(res.status).toBe(200);
    const text = await res.text();
    const match = /^\{\n"AccessToken": "([^"]+)",\n\}$/.exec(text);
    expect(match).not.toBeNull();
    expect(() => JSON.parse(text) as unknown).toThrow();
    const token = match![1]!;
    expect((await status(token)).status).toBe(200);
    // Credentials are still checked.
    expect((await generate(sim.issueRequestToken(), { API_KEY, API_SECRET: 'x' })).status).toBe(401);
  });

  it('empty-token answers {"AccessToken":""}', async () => {
    sim.setFault('empty-token');
    const res = await totpLogin(totpCode(T0));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"AccessToken":""}');
  });

  it('oversized streams about 2 MiB', async () => {
    sim.setFault('oversized');
    const res = await generate(sim.issueRequestToken());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBeNull();
    const body = await res.arrayBuffer();
    expect(body.byteLength).toBe(2 * 1024 * 1024);
    expect(Buffer.from(body.slice(0, 16)).toString()).toBe('{"AccessToken":"');
  });

  it('oversized stops streaming when the client goes away', async () => {
    sim.setFault('oversized');
    const res = await generate(sim.issueRequestToken());
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    sim.setFault('none');
    expect((await generate(sim.issueRequestToken())).status).toBe(200);
  });

  it('rejects unknown fault names', () => {
    expect(() => sim.setFault('bogus' as never)).toThrow(RangeError);
  });
});
