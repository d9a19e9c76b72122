import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { createServer, type RequestListener } from 'node:http';
import { getEventListeners } from 'node:events';
import {
  SessionClient,
  MAX_BODY_BYTES,
  TOTP_MIN_VALIDITY_MS,
  backoffDelay,
  defaultSleep,
  describeWait,
  parseRetryAfter,
  scrubbedCause,
  type ClientOptions,
} from '../main/core/infra/session-client.js';
import { TorusError } from '../main/core/errors.js';
import { totpCode } from '../main/core/domain/totp.js';
import { startSimulator, type TorusSimulator } from '../scripts/simulator/torus-simulator.js';
import { closedLoopbackUrl, distinctiveCredentials, recordingSleep, rejectionOf } from './helpers/core-fixtures.js';

/** The session client against the loopback Torus simulator: real HTTP, no fetch mocks. */

const T0 = Date.UTC(2025, 0, 15, 3, 0); // fixed clock for the simulator and TOTP
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DP';
/** Headers the HTTP stack adds by itself; everything else must be exactly what Torus documents. */
const TRANSPORT_HEADERS = new Set(['host', 'connection', 'content-length', 'user-agent', 'accept-encoding', 'accept-language', 'sec-fetch-mode']);

let sim: TorusSimulator;
let creds: { apiKey: string; apiSecret: string };
let requestToken: string;
let sleep: ReturnType<typeof recordingSleep>;
let logLines: string[];
/** Every error and log line of a test, checked for secrets afterwards. */
let observed: string[];

beforeEach(async () => {
  creds = distinctiveCredentials();
  sim = await startSimulator({ ...creds, totpSecret: TOTP_SECRET, now: () => T0 });
  requestToken = sim.issueRequestToken();
  sleep = recordingSleep();
  logLines = [];
  observed = [];
});

afterEach(async () => {
  const text = [...observed, ...logLines].join('\n');
  for (const secret of [creds.apiKey, creds.apiSecret, requestToken, TOTP_SECRET, totpCode(TOTP_SECRET, T0)]) {
    expect(text).not.toContain(secret);
  }
  await sim.close();
});

function client(options: ClientOptions = {}): SessionClient {
  return new SessionClient({ sleep: sleep.sleep, random: () => 0.5, log: (line) => logLines.push(line), timeoutMs: 2_000, ...options });
}

function generate(c: SessionClient = client(), signal?: AbortSignal) {
  return c.generate({ baseUrl: sim.url, ...creds, requestToken }, signal);
}

async function failure(promise: () => Promise<unknown>): Promise<TorusError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(TorusError);
  const e = error as TorusError;
  observed.push(e.message, e.torusMessage ?? '', String(e.stack ?? ''));
  return e;
}

/** A stand-in for a misbehaving Torus (echoing credentials, odd statuses) on loopback, for the length of `use`. */
async function withLoopbackServer(handler: RequestListener, use: (url: string) => Promise<void>): Promise<void> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    await use(`http://127.0.0.1:${port}`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('SessionClient.generate: the documented call', () => {
  it('sends exactly the documented method, path, headers and body, and returns the token', async () => {
    const result = await generate();
    expect(result.attempts).toBe(1);
    expect(result.accessToken.split('.')).toHaveLength(3); // the simulator mints JWTs
    expect(sim.requestCount('generate')).toBe(1);
    const [req] = sim.requests;
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe('/api/v1/session/generate');
    expect(req!.headers.token).toBe(requestToken);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers.accept).toBe('application/json');
    expect(req!.headers.authorization).toBeUndefined();
    const own = Object.keys(req!.headers)
      .filter((h) => !TRANSPORT_HEADERS.has(h))
      .sort();
    expect(own).toEqual(['accept', 'content-type', 'token']);
    const body = JSON.parse(req!.body) as Record<string, unknown>;
    expect(body).toEqual({ API_KEY: creds.apiKey, API_SECRET: creds.apiSecret });
    expect(Object.keys(body)).toEqual(['API_KEY', 'API_SECRET']);
    expect(sleep.delays).toEqual([]);
  });

  it('accepts the documented trailing-comma body', async () => {
    sim.setFault('trailing-comma', { burst: 1 });
    const result = await generate();
    expect(result.accessToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(result.attempts).toBe(1);
  });

  it('TOTP mode: posts API_KEY and the RFC 6238 code, no Token header, and returns the token', async () => {
    const result = await client().generateWithTotp({ totpBaseUrl: sim.url, apiKey: creds.apiKey, totpSecret: TOTP_SECRET, now: T0 });
    expect(result.accessToken.length).toBeGreaterThan(10);
    expect(sim.requestCount('totp')).toBe(1);
    const [req] = sim.requests;
    expect(req!.path).toBe('/api/v1/session/totp/generate');
    expect(req!.headers.token).toBeUndefined();
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers.accept).toBe('application/json');
    expect(JSON.parse(req!.body)).toEqual({ API_KEY: creds.apiKey, TOTP: totpCode(TOTP_SECRET, T0) });
  });

  it('TOTP mode: a wrong secret is rejected without needsSignIn', async () => {
    const e = await failure(() =>
      client().generateWithTotp({ totpBaseUrl: sim.url, apiKey: creds.apiKey, totpSecret: 'KRUGS4ZANFZSA3TPOQQHI2DFEBZWKY3S', now: T0 }),
    );
    expect(e.kind).toBe('rejected');
    expect(e.needsSignIn).toBe(false);
    expect(sim.requestCount('totp')).toBe(1);
  });
});

describe('SessionClient.generate: refusals are final', () => {
  it('a refused request token → rejected, needsSignIn, Torus message included, not retried', async () => {
    await generate(); // uses the single-use request token
    sim.resetLog();
    const e = await failure(() => generate());
    expect(e.kind).toBe('rejected');
    expect(e.status).toBe(401);
    expect(e.needsSignIn).toBe(true);
    expect(e.torusMessage).toBe('Request token is invalid or expired');
    expect(e.message).toContain('Request token is invalid or expired');
    expect(e.message).toMatch(/sign in/i);
    expect(sim.requestCount('generate')).toBe(1);
    expect(sleep.delays).toEqual([]);
  });

  it('a refused key or secret → rejected, no needsSignIn, names the key/secret', async () => {
    const e = await failure(() => client().generate({ baseUrl: sim.url, apiKey: creds.apiKey, apiSecret: `${creds.apiSecret}-wrong`, requestToken }));
    expect(e.kind).toBe('rejected');
    expect(e.needsSignIn).toBe(false);
    expect(e.message).toContain('Invalid API key or secret');
    expect(e.message).not.toContain(`${creds.apiSecret}-wrong`);
    expect(sim.requestCount('generate')).toBe(1);
  });

  it.each([
    ['reject-401', 401],
    ['reject-403', 403],
  ] as const)('%s → rejected, status %i, Torus message included, requestCount 1', async (fault, status) => {
    sim.setFault(fault);
    const e = await failure(() => generate());
    expect(e.kind).toBe('rejected');
    expect(e.status).toBe(status);
    expect(e.needsSignIn).toBe(true);
    expect(e.torusMessage).toBeTruthy();
    expect(e.message).toContain(e.torusMessage!);
    expect(sim.requestCount('generate')).toBe(1);
    expect(sleep.delays).toEqual([]);
  });
});

describe('SessionClient.generate: transient failures are retried', () => {
  it('a 503 burst is retried with backoff and then succeeds', async () => {
    sim.setFault('server-error-burst', { burst: 2 });
    const result = await generate();
    expect(result.attempts).toBe(3);
    expect(sim.requestCount('generate')).toBe(3);
    expect(sleep.delays).toEqual([375, 750]); // full jitter at random()=0.5 over 500 ms, then 1000 ms
  });

  it('a 503 burst longer than the attempts → server-error after exactly 3 requests', async () => {
    sim.setFault('server-error-burst', { burst: 5 });
    const e = await failure(() => generate());
    expect(e.kind).toBe('server-error');
    expect(e.status).toBe(503);
    expect(sim.requestCount('generate')).toBe(3);
  });

  it('429 with Retry-After is honoured (the injected sleep receives ~1000 ms)', async () => {
    sim.setFault('rate-limit', { retryAfterSeconds: 1 });
    const result = await generate();
    expect(result.attempts).toBe(2);
    expect(sleep.delays).toHaveLength(1);
    expect(sleep.delays[0]).toBeGreaterThanOrEqual(900);
    expect(sleep.delays[0]).toBeLessThanOrEqual(1100);
  });

  it('a Retry-After longer than 30 s is not waited for inline: one request, then the error says how long and when', async () => {
    sim.setFault('rate-limit', { retryAfterSeconds: 600, burst: 3 });
    const before = Date.now();
    const e = await failure(() => generate());
    expect(e.kind).toBe('rate-limited');
    expect(sim.requestCount('generate')).toBe(1);
    expect(sleep.delays).toEqual([]);
    expect(e.message).toContain('Torus asks to wait 10 min');
    expect(e.retryAfterSeconds).toBe(600);
    expect(e.retryAt).toBeGreaterThanOrEqual(before + 600_000);
    expect(e.retryAt).toBeLessThanOrEqual(Date.now() + 600_000);
  });

  it('a 503 with Retry-After is honoured like a 429', async () => {
    sim.setFault('server-error-burst', { burst: 1, retryAfterSeconds: 2 });
    const result = await generate();
    expect(result.attempts).toBe(2);
    expect(sleep.delays).toEqual([2_000]);
  });

  it('a long 503 Retry-After is scheduled, not looped: one request, the wait in the message', async () => {
    sim.setFault('server-error-burst', { burst: 3, retryAfterSeconds: 7200 });
    const e = await failure(() => generate());
    expect(e.kind).toBe('server-error');
    expect(sim.requestCount('generate')).toBe(1);
    expect(e.message).toContain('Torus asks to wait 2 h');
    expect(e.retryAt).toBeGreaterThan(Date.now() + 7_000_000);
  });

  it('Retry-After as an HTTP date is understood: the wait is that date less our clock, to the second', async () => {
    sim.setFault('rate-limit', { retryAfterSeconds: 20, retryAfterAs: 'http-date' });
    const result = await generate(client({ now: () => T0 }));
    expect(result.attempts).toBe(2);
    expect(sleep.delays).toEqual([20_000]);
  });

  it('Retry-After as an HTTP date already past: retried after no wait at all', async () => {
    sim.setFault('rate-limit', { retryAfterSeconds: 5, retryAfterAs: 'http-date' });
    const result = await generate(client({ now: () => T0 + 60_000 }));
    expect(result.attempts).toBe(2);
    expect(sleep.delays).toEqual([0]);
  });

  it('a refusal after a timed-out attempt says Torus may already have used the request token', async () => {
    // The first attempt hangs (Torus may have processed it), the second is refused.
    sim.setFault('hang', { burst: 1 });
    const c = client({ timeoutMs: 150 });
    const refused = (async () => {
      // Once the hanging attempt has timed out, the request token is refused from then on.
      while (sim.requestCount('generate') < 1) await new Promise((r) => setTimeout(r, 10));
      sim.setFault('reject-401');
    })();
    const e = await failure(() => generate(c));
    await refused;
    expect(e.kind).toBe('rejected');
    expect(e.needsSignIn).toBe(true);
    expect(e.message).toMatch(/may already have used the request token/);
  });

  it('a refusal after a server error says the same: Torus may have processed the first attempt before failing', async () => {
    sim.setFault('server-error-burst', { burst: 1 });
    // While we back off, Torus starts refusing the request token (it spent it on the 503'd attempt).
    const c = client({ sleep: async () => sim.setFault('reject-401') });
    const e = await failure(() => generate(c));
    expect(e).toMatchObject({ kind: 'rejected', status: 401, needsSignIn: true });
    expect(e.message).toMatch(/An earlier attempt timed out or met a server error, so Torus may already have used the request token then\.$/);
    expect(sim.requestCount('generate')).toBe(2);
  });

  it('a refused TOTP code after a server error is not blamed on a spent request token', async () => {
    sim.setFault('server-error-burst', { burst: 1, routes: ['totp'] });
    const c = client({ sleep: async () => sim.setFault('reject-401', { routes: ['totp'] }) });
    const e = await failure(() => c.generateWithTotp({ totpBaseUrl: sim.url, apiKey: creds.apiKey, totpSecret: TOTP_SECRET, now: T0 }));
    expect(e.kind).toBe('rejected');
    expect(e.message).not.toMatch(/request token/);
  });

  it('a plain refusal (no uncertain attempt before it) does not claim an earlier use', async () => {
    sim.setFault('reject-401');
    const e = await failure(() => generate());
    expect(e.message).not.toMatch(/may already have used/);
  });

  it('a hanging response → timeout after the small timeoutMs, on every attempt', async () => {
    sim.setFault('hang');
    const started = Date.now();
    const e = await failure(() => generate(client({ timeoutMs: 150 })));
    expect(e.kind).toBe('timeout');
    expect(sim.requestCount('generate')).toBe(3);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a connection reset → network', async () => {
    sim.setFault('reset');
    const e = await failure(() => generate());
    expect(e.kind).toBe('network');
    expect(sim.requestCount('generate')).toBe(3);
  });

  it('a closed port → network', async () => {
    const e = await failure(async () => client().generate({ baseUrl: await closedLoopbackUrl(), ...creds, requestToken }));
    expect(e.kind).toBe('network');
    expect(sleep.delays).toHaveLength(2);
  });
});

describe('SessionClient.generate: invalid responses', () => {
  it('an HTML page → invalid-response, not retried', async () => {
    sim.setFault('html-error');
    const e = await failure(() => generate());
    expect(e.kind).toBe('invalid-response');
    expect(sim.requestCount('generate')).toBe(1);
  });

  it('an empty AccessToken → invalid-response', async () => {
    sim.setFault('empty-token');
    const e = await failure(() => generate());
    expect(e.kind).toBe('invalid-response');
  });

  it(`a body of exactly ${MAX_BODY_BYTES} bytes is read whole, whether its length is declared or it is streamed`, async () => {
    for (const declared of [true, false]) {
      requestToken = sim.issueRequestToken();
      // Torus's real answer, padded with JSON whitespace to the limit.
      const padded: typeof fetch = async (input, init) => {
        const real = await fetch(input, init);
        const text = await real.text();
        const body = text + ' '.repeat(MAX_BODY_BYTES - Buffer.byteLength(text));
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (declared) headers['content-length'] = String(MAX_BODY_BYTES);
        return new Response(body, { status: real.status, headers });
      };
      const result = await generate(client({ fetchImpl: padded }));
      expect(result.accessToken.split('.'), `declared: ${declared}`).toHaveLength(3);
    }
  });

  it('a body that trickles in without end is cut off at the attempt timeout', async () => {
    let chunks = 0;
    // Each read waits 20 ms for another kilobyte of spaces: never the end, never the 1 MiB limit in time.
    const trickle: typeof fetch = () =>
      Promise.resolve(
        new Response(
          new ReadableStream<Uint8Array>({
            async pull(controller) {
              await new Promise((resolve) => setTimeout(resolve, 20));
              chunks++;
              controller.enqueue(new Uint8Array(1024).fill(32));
            },
          }),
          { status: 200, headers: { 'content-type': 'application/json' } },
        ),
      );
    const e = await failure(() => generate(client({ fetchImpl: trickle, timeoutMs: 300, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } })));
    expect(e.kind).toBe('timeout');
    expect(chunks).toBeLessThan(100);
  });

  it(`an oversized body (> ${MAX_BODY_BYTES} bytes) → invalid-response`, async () => {
    sim.setFault('oversized');
    const e = await failure(() => generate());
    expect(e.kind).toBe('invalid-response');
    expect(e.message).toMatch(/1 MiB/);
  });
});

describe('SessionClient: Torus messages that echo credentials are redacted', () => {
  it('a 200 answer without a token whose message repeats the request token and key', async () => {
    // Not a simulator fault: a tiny loopback server that echoes what it was sent.
    const handler: RequestListener = (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const key = (JSON.parse(body) as { API_KEY: string }).API_KEY;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'error', message: `Request token ${String(req.headers.token)} for ${key} has expired` }));
      });
    };
    await withLoopbackServer(handler, async (url) => {
      const e = await failure(() => client().generate({ baseUrl: url, ...creds, requestToken }));
      expect(e.kind).toBe('invalid-response');
      expect(e.message).toContain('has expired');
      expect(e.message).not.toContain(requestToken);
      expect(e.message).not.toContain(creds.apiKey);
      expect(e.torusMessage).not.toContain(requestToken);
    });
  });
});

describe('SessionClient: secrets never survive in shortened messages or error causes', () => {
  it('regression: an echoed request token that straddles the 300-character cut is still redacted', async () => {
    // Torus's message is shortened to 300 characters. Shortening before redacting cut the
    // token in two and left its first half in the message.
    const handler: RequestListener = (req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', message: `${'x'.repeat(290)}${String(req.headers.token)} is not valid` }));
    };
    await withLoopbackServer(handler, async (url) => {
      const e = await failure(() => client().generate({ baseUrl: url, ...creds, requestToken }));
      expect(e.kind).toBe('rejected');
      const prefix = requestToken.slice(0, 10);
      expect(e.message).not.toContain(prefix);
      expect(e.torusMessage).not.toContain(prefix);
      expect(e.torusMessage).toContain('[redacted]');
    });
  });

  it("regression: undici's 'invalid header value' error, which quotes the request token, is scrubbed from the cause", async () => {
    // A request token with a NUL (e.g. written to the keychain by another tool): undici
    // refuses the header and its error message quotes the (trimmed) value.
    const bad = ` ${requestToken}\u0000x`;
    const e = await failure(() => client().generate({ baseUrl: sim.url, ...creds, requestToken: bad }));
    expect(e.kind).toBe('network');
    const causes: string[] = [];
    for (let c: unknown = e.cause; c instanceof Error; c = c.cause) causes.push(String(c.stack), c.message);
    observed.push(...causes);
    expect(causes.join('\n')).toMatch(/invalid header value/);
    expect(causes.join('\n')).not.toContain(requestToken);
    expect(sim.requestCount('generate')).toBe(0);
  });
});

describe('SessionClient: TOTP near the end of a 30 s window', () => {
  it('regression: with under 3 s of validity left, waits for the next window and sends its code', async () => {
    const late = T0 + 30_000 - 1_000; // 1 s before the window ends
    let reads = 0;
    const result = await client().generateWithTotp({
      totpBaseUrl: sim.url,
      apiKey: creds.apiKey,
      totpSecret: TOTP_SECRET,
      clock: () => (reads++, late),
    });
    expect(result.accessToken.length).toBeGreaterThan(10);
    expect(sleep.delays).toEqual([1_000]);
    expect(TOTP_MIN_VALIDITY_MS).toBeGreaterThan(1_000);
    expect(JSON.parse(sim.requests[0]!.body)).toEqual({ API_KEY: creds.apiKey, TOTP: totpCode(TOTP_SECRET, T0 + 30_000) });
    expect(reads).toBeGreaterThan(0);
  });

  it('regression: each attempt reads the clock, so a retry after a window change sends a fresh code', async () => {
    sim.setFault('server-error-burst', { burst: 1 });
    const times = [T0 + 5_000, T0 + 35_000];
    await client().generateWithTotp({ totpBaseUrl: sim.url, apiKey: creds.apiKey, totpSecret: TOTP_SECRET, clock: () => times.shift() ?? T0 + 35_000 });
    const codes = sim.requests.filter((r) => r.path.includes('totp')).map((r) => (JSON.parse(r.body) as { TOTP: string }).TOTP);
    expect(codes).toEqual([totpCode(TOTP_SECRET, T0 + 5_000), totpCode(TOTP_SECRET, T0 + 35_000)]);
  });
});

describe('SessionClient: statuses Torus should not send are not mistaken for others', () => {
  it('a 400 is a refusal of the request token: final, needs sign-in, not retried', async () => {
    sim.setFault('reject-400');
    const e = await failure(() => generate());
    expect(e).toMatchObject({ kind: 'rejected', status: 400, needsSignIn: true, torusMessage: 'Bad request: invalid request token' });
    expect(e.message).toMatch(/refused the request token \(HTTP 400\)/);
    expect(sim.requestCount('generate')).toBe(1);
    expect(sleep.delays).toEqual([]);
  });

  it('a 404 means a wrong base URL: invalid-response naming the status and the setting, not retried like a 5xx', async () => {
    sim.setFault('not-found');
    const e = await failure(() => generate());
    expect(e.kind).toBe('invalid-response');
    expect(e.status).toBe(404);
    expect(e.transient).toBe(false);
    expect(e.message).toContain('HTTP 404, which was not expected');
    expect(e.message).toContain('Check the base URL');
    expect(e.message).toContain('Torus said: "Not found"');
    expect(sim.requestCount('generate')).toBe(1);
    expect(sleep.delays).toEqual([]);
  });

  it('a redirect (a captive portal, a login page) is not followed: the credentials go nowhere else, and the error says so', async () => {
    sim.setFault('redirect');
    const e = await failure(() => generate());
    expect(e.kind).toBe('invalid-response');
    expect(e.status).toBe(302);
    expect(e.message).toContain('Torus answered with a redirect (HTTP 302)');
    expect(sim.requests.map((r) => r.path)).toEqual(['/api/v1/session/generate']);
    expect(sleep.delays).toEqual([]);
  });

  it('verify: a 404 or a redirect is "unknown", never "valid" and never "rejected"', async () => {
    const { accessToken } = await generate();
    for (const fault of ['not-found', 'redirect'] as const) {
      sim.setFault(fault, { routes: ['status'] });
      const result = await client().verify(sim.url, accessToken);
      expect(result.status).toBe('unknown');
      if (result.status !== 'valid') observed.push(result.message);
    }
  });

  it('verify: a 403 is "rejected", so the token is known to be refused', async () => {
    const { accessToken } = await generate();
    sim.setFault('reject-403', { routes: ['status'] });
    const result = await client().verify(sim.url, accessToken);
    expect(result).toEqual({ status: 'rejected', message: expect.stringContaining('no longer accepts this access token (HTTP 403)') as unknown });
  });
});

describe('SessionClient: a timeout or a 429 still gets its backoff retry', () => {
  it('one attempt times out, the next succeeds after the first backoff step', async () => {
    sim.setFault('hang', { burst: 1 });
    const result = await generate(client({ timeoutMs: 150 }));
    expect(result.attempts).toBe(2);
    expect(sleep.delays).toEqual([375]);
    expect(sim.requestCount('generate')).toBe(2);
  });

  it('a 429 without Retry-After is retried after the exponential backoff, then succeeds', async () => {
    sim.setFault('rate-limit', { burst: 2, retryAfterSeconds: 0 });
    const result = await generate();
    expect(result.attempts).toBe(3);
    expect(sim.requestCount('generate')).toBe(3);
    expect(sleep.delays).toHaveLength(2);
  });

  it('the backoff doubles up to its ceiling, with full jitter between half and all of it', () => {
    const policy = { attempts: 6, baseDelayMs: 500, maxDelayMs: 3_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 0))).toEqual([250, 500, 1_000, 1_500, 1_500]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 1))).toEqual([500, 1_000, 2_000, 3_000, 3_000]);
    // Torus's own Retry-After wins, but never more than we wait inline.
    expect(backoffDelay(1, policy, () => 0.5, 12_000)).toBe(12_000);
    expect(backoffDelay(1, policy, () => 0.5, 45_000)).toBe(30_000);
  });

  it('Retry-After is read as seconds or an HTTP date; anything else is ignored', () => {
    const now = Date.UTC(2025, 0, 15, 3, 0);
    expect(parseRetryAfter(' 7 ', now)).toBe(7_000);
    expect(parseRetryAfter(new Date(now + 9_000).toUTCString(), now)).toBe(9_000);
    expect(parseRetryAfter(new Date(now - 9_000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('a wait is described in the unit a person reads it in', () => {
    expect([45, 89, 90, 600, 5_399, 5_400, 7_200].map(describeWait)).toEqual(['45 s', '89 s', '2 min', '10 min', '90 min', '2 h', '2 h']);
  });
});

describe('SessionClient: TOTP errors and logs never carry the API key or the code', () => {
  it('a refusal that echoes the API key and the code it was sent', async () => {
    const handler: RequestListener = (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const sent = JSON.parse(body) as { API_KEY: string; TOTP: string };
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'error', message: `TOTP ${sent.TOTP} is wrong for ${sent.API_KEY}` }));
      });
    };
    await withLoopbackServer(handler, async (url) => {
      const code = totpCode(TOTP_SECRET, T0);
      const e = await failure(() => client().generateWithTotp({ totpBaseUrl: url, apiKey: creds.apiKey, totpSecret: TOTP_SECRET, now: T0 }));
      expect(e.kind).toBe('rejected');
      expect(e.needsSignIn).toBe(false);
      expect(e.message).toContain('refused the TOTP login (HTTP 401)');
      expect(e.torusMessage).toBe('TOTP [redacted] is wrong for [redacted]');
      expect(e.message).not.toContain(code);
      expect(e.message).not.toContain(creds.apiKey);
      expect(logLines.length).toBeGreaterThan(0);
    });
  });
});

describe('SessionClient: cancellation', () => {
  it('aborting the signal during a hanging request ends that request at once → cancelled, not retried', async () => {
    sim.setFault('hang');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    // No attempt timeout would end it: only the abort reaching the request in flight does.
    const e = await failure(() => generate(client({ timeoutMs: 3_600_000 }), controller.signal));
    expect(e.message).toBe('The refresh was cancelled.');
    expect(e.kind).toBe('cancelled');
    expect(sim.requestCount('generate')).toBe(1);
    expect(sleep.delays).toEqual([]); // no backoff wait after a cancel either
  });

  it('an already-aborted signal → cancelled without any request', async () => {
    const controller = new AbortController();
    controller.abort();
    const e = await failure(() => generate(client(), controller.signal));
    expect(e.kind).toBe('cancelled');
    expect(sim.requestCount('generate')).toBe(0);
  });
});

describe('SessionClient.verify', () => {
  it('valid for a fresh token, sent as a Bearer header to /api/v1/market/status', async () => {
    const { accessToken } = await generate();
    const result = await client().verify(sim.url, accessToken);
    expect(result).toEqual({ status: 'valid' });
    const req = sim.requests.find((r) => r.path === '/api/v1/market/status');
    expect(req!.method).toBe('GET');
    expect(req!.headers.authorization).toBe(`Bearer ${accessToken}`);
    expect(req!.headers.accept).toBe('application/json');
  });

  it('rejected after the simulator revokes access tokens; the message does not echo the token', async () => {
    const { accessToken } = await generate();
    sim.revokeAccessTokens();
    const result = await client().verify(sim.url, accessToken);
    expect(result.status).toBe('rejected');
    if (result.status !== 'valid') expect(result.message).not.toContain(accessToken);
    expect(sim.requestCount('status')).toBe(1);
  });

  it('unknown when Torus cannot be reached', async () => {
    const result = await client().verify(await closedLoopbackUrl(), 'some-access-token-value');
    expect(result.status).toBe('unknown');
    if (result.status !== 'valid') {
      observed.push(result.message);
      expect(result.message).not.toContain('some-access-token-value');
    }
  });
});

describe('scrubbedCause: the cause kept for --debug, without the secrets', () => {
  it('removes every secret (also its trimmed form) from message and stack, through nested causes, and keeps the errno fields', () => {
    const secret = '  rt-0123456789abcdef ';
    const root = Object.assign(new Error(`connect ECONNREFUSED while sending ${secret.trim()}`), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect' });
    const middle = new Error(`fetch failed for ${secret}`, { cause: root });
    const top = new TypeError('request failed', { cause: middle });
    const copy = scrubbedCause(top, [secret])!;
    expect(copy.name).toBe('TypeError');
    expect(copy.message).toBe('request failed');
    const inner = copy.cause as Error;
    expect(inner.message).toBe('fetch failed for [redacted]');
    const deepest = inner.cause as Error & { code?: unknown; errno?: unknown; syscall?: unknown };
    expect(deepest.message).toBe('connect ECONNREFUSED while sending [redacted]');
    expect(deepest).toMatchObject({ code: 'ECONNREFUSED', errno: -111, syscall: 'connect' });
    expect(String(deepest.stack)).not.toContain(secret.trim());
    expect(String(deepest.stack)).toContain('[redacted]');
  });

  it('a numeric code is kept too; fields of other types are not copied', () => {
    const odd = Object.assign(new Error('odd'), { code: 42, errno: 'x', syscall: 7 });
    const copy = scrubbedCause(odd, []) as Error & { code?: unknown; errno?: unknown; syscall?: unknown };
    expect(copy.code).toBe(42);
    expect('errno' in copy).toBe(false);
    expect('syscall' in copy).toBe(false);
  });

  it('follows causes three levels down, no further (a cause chain can be a cycle)', () => {
    const levels = [0, 1, 2, 3, 4].map((n) => new Error(`level ${n}`));
    for (let n = 0; n < 4; n++) levels[n]!.cause = levels[n + 1];
    const messages: string[] = [];
    for (let c: unknown = scrubbedCause(levels[0], []); c instanceof Error; c = c.cause) messages.push(c.message);
    expect(messages).toEqual(['level 0', 'level 1', 'level 2', 'level 3']);
    const loop = new Error('loop');
    loop.cause = loop;
    expect(() => scrubbedCause(loop, [])).not.toThrow();
    expect(scrubbedCause('not an error', [])).toBeUndefined();
  });
});

describe('which credential a refusal blames', () => {
  it.each([
    ['Invalid API key', false],
    ['invalid api-key or secret', false],
    ['APIKEY not recognised', false],
    ['Merchant not enabled for API', false],
    ['Invalid request token', true],
    ['request-token expired; check your API key', true],
    ['Unauthorized', true],
  ])('Torus says "%s" → sign in again: %s', async (torusMessage, needsSignIn) => {
    const handler: RequestListener = (_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', message: torusMessage }));
    };
    await withLoopbackServer(handler, async (url) => {
      const e = await failure(() => client().generate({ baseUrl: url, ...creds, requestToken }));
      expect(e.needsSignIn).toBe(needsSignIn);
      expect(e.message).toContain(needsSignIn ? 'Torus refused the request token (HTTP 401)' : 'Torus refused the API key or secret (HTTP 401)');
    });
  });

  it('a Retry-After of exactly 30 s is still waited for inline; 31 s is scheduled', async () => {
    sim.setFault('rate-limit', { retryAfterSeconds: 30, burst: 1 });
    await generate();
    expect(sleep.delays).toEqual([30_000]);
    sim.setFault('rate-limit', { retryAfterSeconds: 31, burst: 1 });
    requestToken = sim.issueRequestToken();
    const e = await failure(() => generate());
    expect(e.message).toContain('Torus asks to wait 31 s');
    expect(e.retryAt).toBeDefined();
  });

  it('the timeout message names the timeout in seconds', async () => {
    sim.setFault('hang');
    const e = await failure(() => generate(client({ timeoutMs: 1_000, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } })));
    expect(e.message).toBe('Torus did not answer within 1 s. Check your connection and try again.');
  });
});

describe('SessionClient: what each server failure says, and what it keeps', () => {
  function failingWith(status: number, headers: Record<string, string> = {}): { handler: RequestListener; hits: () => number } {
    let hits = 0;
    const handler: RequestListener = (_req, res) => {
      hits++;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify({ status: 'error', message: `failure ${status}` }));
    };
    return { handler, hits: () => hits };
  }

  it("a 429 and a 503 say what happened and what to do, and keep Torus's words", async () => {
    sim.setFault('rate-limit', { burst: 3, retryAfterSeconds: 1 });
    const limited = await failure(() => generate());
    expect(limited.message).toBe('Torus is limiting requests (HTTP 429). Wait a minute and try again. Torus said: "Too many requests".');
    expect(limited.torusMessage).toBe('Too many requests');
    sim.setFault('server-error-burst', { burst: 3 });
    requestToken = sim.issueRequestToken();
    const down = await failure(() => generate());
    expect(down.message).toBe(
      'Torus had a server error (HTTP 503). This is on Torus\'s side. Try again in a few minutes. Torus said: "Service temporarily unavailable".',
    );
    expect(down.torusMessage).toBe('Service temporarily unavailable');
  });

  it('a 500 is a server error too, retried with our backoff; its Retry-After (meant for 429 and 503 only) is not followed', async () => {
    const server = failingWith(500, { 'retry-after': '2' });
    await withLoopbackServer(server.handler, async (url) => {
      const e = await failure(() => client().generate({ baseUrl: url, ...creds, requestToken }));
      expect(e).toMatchObject({ kind: 'server-error', status: 500 });
      expect(e.retryAfterSeconds).toBeUndefined();
      expect(server.hits()).toBe(3);
      expect(sleep.delays).toEqual([375, 750]);
    });
  });

  it('the debug log names each call, its status and each failed attempt (and nothing secret)', async () => {
    sim.setFault('server-error-burst', { burst: 1 });
    await generate();
    const url = `${sim.url}/api/v1/session/generate`;
    expect(logLines[0]).toMatch(new RegExp(`^POST ${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} -> 503 in \\d+ ms$`));
    expect(logLines[1]).toBe(`POST ${url} attempt 1 failed: server-error`);
    expect(logLines[2]).toMatch(/-> 200 in \d+ ms$/);
    expect(Number(/in (\d+) ms/.exec(logLines[0]!)![1])).toBeLessThan(60_000);
  });
});

describe('defaultSleep: the real wait between attempts', () => {
  it('waits, and stops at once with "cancelled" when the refresh is cancelled (before or during)', async () => {
    await expect(defaultSleep(5)).resolves.toBeUndefined();
    const before = new AbortController();
    before.abort();
    await expect(defaultSleep(60_000, before.signal)).rejects.toMatchObject({ kind: 'cancelled', message: 'The refresh was cancelled.' });
    const during = new AbortController();
    const waiting = defaultSleep(60_000, during.signal);
    during.abort();
    await expect(waiting).rejects.toMatchObject({ kind: 'cancelled' });
    const finished = new AbortController();
    await defaultSleep(1, finished.signal);
    finished.abort(); // after the wait ended: nothing left listening, nothing thrown
  });
});

describe('SessionClient at the edges of what Torus may answer', () => {
  /** A stand-in that answers each request with the next of `replies` (the last one repeats). */
  function replying(...replies: Array<{ status: number; body?: string; headers?: Record<string, string> } | 'reset'>) {
    let hits = 0;
    const handler: RequestListener = (req, res) => {
      const reply = replies[Math.min(hits, replies.length - 1)]!;
      hits++;
      if (reply === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body ?? '');
    };
    return { handler, hits: () => hits };
  }
  const tokenBody = JSON.stringify({ status: 'success', AccessToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0In0.c2lnbmF0dXJl' });

  it('201 Created with a token is a success like 200', async () => {
    const server = replying({ status: 201, body: tokenBody });
    await withLoopbackServer(server.handler, async (url) => {
      const result = await client().generate({ baseUrl: url, ...creds, requestToken });
      expect(result).toEqual({ accessToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0In0.c2lnbmF0dXJl', attempts: 1 });
    });
  });

  it.each([
    [299, 'Torus answered with HTTP 299, which was not expected.'],
    [300, 'Torus answered with a redirect (HTTP 300), which it should not.'],
    [399, 'Torus answered with a redirect (HTTP 399), which it should not.'],
  ])('HTTP %i: %s', async (status, start) => {
    const server = replying({ status, body: '{}' });
    await withLoopbackServer(server.handler, async (url) => {
      const e = await failure(() => client().generate({ baseUrl: url, ...creds, requestToken }));
      expect(e).toMatchObject({ kind: 'invalid-response', status });
      expect(e.message.startsWith(start)).toBe(true);
      expect(server.hits()).toBe(1);
    });
  });

  it('a server error without a readable message says so in our words only', async () => {
    const server = replying({ status: 502, body: '<html>Bad gateway</html>', headers: { 'content-type': 'text/html' } });
    await withLoopbackServer(server.handler, async (url) => {
      const e = await failure(() => client().generate({ baseUrl: url, ...creds, requestToken }));
      expect(e.message).toBe("Torus had a server error (HTTP 502). This is on Torus's side. Try again in a few minutes.");
      expect(e.torusMessage).toBeUndefined();
    });
  });

  it('a Retry-After of exactly 30 s is waited out here; 31 s is left to the schedule, with the time to try again', async () => {
    const inline = replying({ status: 429, body: '{}', headers: { 'retry-after': '30' } });
    await withLoopbackServer(inline.handler, async (url) => {
      const e = await failure(() => client().generate({ baseUrl: url, ...creds, requestToken }));
      expect(inline.hits()).toBe(3);
      expect(sleep.delays).toEqual([30_000, 30_000]);
      expect(e.message).toBe('Torus is limiting requests (HTTP 429). Wait a minute and try again.');
      expect(e.retryAfterSeconds).toBe(30);
      expect(e.retryAt).toBeUndefined();
    });
    sleep.delays.length = 0;
    const later = replying({ status: 429, body: '{}', headers: { 'retry-after': '31' } });
    await withLoopbackServer(later.handler, async (url) => {
      const e = await failure(() => client({ now: () => T0 }).generate({ baseUrl: url, ...creds, requestToken }));
      expect(later.hits()).toBe(1);
      expect(sleep.delays).toEqual([]);
      expect(e.message).toBe('Torus is limiting requests (HTTP 429). Torus asks to wait 31 s.');
      expect(e.retryAt).toBe(T0 + 31_000);
    });
  });

  it('a refusal after a connection that broke before any answer does not claim the request token may have been used', async () => {
    const server = replying('reset', { status: 401, body: JSON.stringify({ message: 'Invalid request token' }) });
    await withLoopbackServer(server.handler, async (url) => {
      const e = await failure(() => client().generate({ baseUrl: url, ...creds, requestToken }));
      expect(server.hits()).toBe(2);
      expect(e.kind).toBe('rejected');
      expect(e.message).not.toContain('may already have used');
    });
  });

  it('a refusal after a timed-out attempt keeps its status, Torus words and the sign-in need', async () => {
    let hits = 0;
    const handler: RequestListener = (_req, res) => {
      hits++;
      if (hits === 1) return; // never answers: the attempt times out
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Request token expired' }));
    };
    await withLoopbackServer(handler, async (url) => {
      const e = await failure(() => client({ timeoutMs: 300 }).generate({ baseUrl: url, ...creds, requestToken }));
      expect(e).toMatchObject({ kind: 'rejected', status: 401, torusMessage: 'Request token expired', needsSignIn: true });
      expect(e.message).toContain('Torus may already have used the request token then.');
    });
  });

  it('"requestToken" written as one word still puts the blame on the request token, not the key', async () => {
    const server = replying({ status: 401, body: JSON.stringify({ message: 'Invalid requestToken for this api key' }) });
    await withLoopbackServer(server.handler, async (url) => {
      const e = await failure(() => client().generate({ baseUrl: url, ...creds, requestToken }));
      expect(e.needsSignIn).toBe(true);
      expect(e.message).toMatch(/^Torus refused the request token \(HTTP 401\)/);
    });
  });
});

describe('SessionClient.verify', () => {
  const verifyWith = (reply: { status: number; body?: string }) =>
    new Promise<Awaited<ReturnType<SessionClient['verify']>>>((resolve, reject) => {
      const handler: RequestListener = (_req, res) => {
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(reply.body ?? '{}');
      };
      withLoopbackServer(handler, async (url) => resolve(await client().verify(url, 'the-access-token-value'))).catch(reject);
    });

  it('any 2xx means Torus accepts the token', async () => {
    expect(await verifyWith({ status: 204 })).toEqual({ status: 'valid' });
    expect(await verifyWith({ status: 299 })).toEqual({ status: 'valid' });
  });

  it('401 is a refused token; a redirect or a 5xx leaves it unknown', async () => {
    expect(await verifyWith({ status: 401 })).toEqual({
      status: 'rejected',
      message: 'Torus no longer accepts this access token (HTTP 401). Refresh to get a new one.',
    });
    expect(await verifyWith({ status: 300 })).toMatchObject({
      status: 'unknown',
      message: expect.stringMatching(/^Torus answered with a redirect \(HTTP 300\)/),
    });
  });

  it('an access token Torus echoes back is blanked out of the answer', async () => {
    const result = await verifyWith({ status: 500, body: JSON.stringify({ message: 'bad token the-access-token-value' }) });
    expect(result.status).toBe('unknown');
    expect(JSON.stringify(result)).not.toContain('the-access-token-value');
    expect(JSON.stringify(result)).toContain('bad token [redacted]');
  });
});

describe('SessionClient with a fetch that rejects with its own AbortError (not the reason given)', () => {
  const abortingFetch: typeof fetch = (_url, init) =>
    new Promise((_resolve, reject) => init!.signal!.addEventListener('abort', () => reject(new DOMException('This operation was aborted', 'AbortError'))));

  it('a timeout is still reported as a timeout', async () => {
    const e = await failure(() =>
      client({ fetchImpl: abortingFetch, timeoutMs: 1_000, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }).generate({
        baseUrl: sim.url,
        ...creds,
        requestToken,
      }),
    );
    expect(e).toMatchObject({ kind: 'timeout', message: 'Torus did not answer within 1 s. Check your connection and try again.' });
  });

  it('a cancel is still reported as cancelled', async () => {
    const controller = new AbortController();
    const running = client({ fetchImpl: abortingFetch }).generate({ baseUrl: sim.url, ...creds, requestToken }, controller.signal);
    controller.abort();
    expect(await failure(() => running)).toMatchObject({ kind: 'cancelled' });
  });
});

describe('parseRetryAfter reads only the forms HTTP allows', () => {
  it.each(['120abc', '-500', '2026-12-01', '2026-12-01T10:00:00Z', '1e3'])('%j is not a Retry-After value: ignored', (value) => {
    expect(parseRetryAfter(value, T0)).toBeUndefined();
  });
});

describe('scrubbedCause: what --debug may show of an underlying error', () => {
  it('a secret is removed also in its trimmed form (undici quotes header values trimmed)', () => {
    const copy = scrubbedCause(new Error('Headers.append: "abc123" is an invalid header value'), ['  abc123\n'])!;
    expect(copy.message).toBe('Headers.append: "[redacted]" is an invalid header value');
  });

  it('keeps the errno-style fields of the right types only', () => {
    const error = Object.assign(new Error('x'), { code: { weird: true }, errno: 'nope', syscall: 42 });
    const copy = scrubbedCause(error, []) as Error & Record<string, unknown>;
    expect('code' in copy || 'errno' in copy || 'syscall' in copy).toBe(false);
    const numeric = scrubbedCause(Object.assign(new Error('x'), { code: -3008, errno: -3008, syscall: 'getaddrinfo' }), []) as Error & Record<string, unknown>;
    expect([numeric.code, numeric.errno, numeric.syscall]).toEqual([-3008, -3008, 'getaddrinfo']);
  });

  it('follows the cause chain four levels deep at most, and drops a cause that is not an error', () => {
    let chain: Error = new Error('level 6');
    for (let level = 5; level >= 1; level--) chain = new Error(`level ${level}`, { cause: chain });
    const messages: string[] = [];
    for (let e: unknown = scrubbedCause(chain, []); e instanceof Error; e = e.cause) messages.push(e.message);
    expect(messages).toEqual(['level 1', 'level 2', 'level 3', 'level 4']);
    expect('cause' in scrubbedCause(new Error('x', { cause: 'a string' }), [])!).toBe(false);
  });
});

describe("a request leaves nothing listening on the caller's signal", () => {
  it('after an answer, and after a failure', async () => {
    const controller = new AbortController();
    await generate(client(), controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    sim.setFault('reject-400');
    await failure(() => generate(client(), controller.signal));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('defaultSleep leaves nothing listening', () => {
  it('neither after the wait ends nor after a cancel', async () => {
    const finished = new AbortController();
    await defaultSleep(1, finished.signal);
    expect(getEventListeners(finished.signal, 'abort')).toHaveLength(0);
    const cancelled = new AbortController();
    const waiting = defaultSleep(60_000, cancelled.signal);
    expect(getEventListeners(cancelled.signal, 'abort')).toHaveLength(1);
    cancelled.abort();
    await waiting.catch(() => undefined);
    expect(getEventListeners(cancelled.signal, 'abort')).toHaveLength(0);
  });
});

describe('SessionClient: the last few edges', () => {
  it('a TOTP code with 3 s or more left is sent now; with less, the next window is awaited', async () => {
    const at = (ms: number) => () => ms;
    await client().generateWithTotp({ totpBaseUrl: sim.url, apiKey: creds.apiKey, totpSecret: TOTP_SECRET, clock: at(T0 + 30_000 - TOTP_MIN_VALIDITY_MS) });
    expect(sleep.delays).toEqual([]);
    await client().generateWithTotp({ totpBaseUrl: sim.url, apiKey: creds.apiKey, totpSecret: TOTP_SECRET, clock: at(T0 + 30_000 - TOTP_MIN_VALIDITY_MS + 1) });
    expect(sleep.delays).toEqual([TOTP_MIN_VALIDITY_MS - 1]);
    // A fixed instant (tests, replays) is used as it is, however close to the window's end.
    await client().generateWithTotp({ totpBaseUrl: sim.url, apiKey: creds.apiKey, totpSecret: TOTP_SECRET, now: T0 + 29_999 });
    expect(sleep.delays).toEqual([TOTP_MIN_VALIDITY_MS - 1]);
  });

  it('an answer that declares more than 1 MiB is refused before it is read', async () => {
    const handler: RequestListener = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(MAX_BODY_BYTES + 1) });
      res.write('{"AccessToken":"'); // the rest never comes: the client must not wait for it
    };
    await withLoopbackServer(handler, async (url) => {
      const e = await failure(() => client().generate({ baseUrl: url, ...creds, requestToken }));
      expect(e.kind).toBe('invalid-response');
      expect(e.message).toMatch(/^Torus sent a response larger than 1 MiB/);
    });
  });

  it('a client allowed no attempt calls nobody and says Torus could not be reached', async () => {
    const e = await failure(() => client({ retry: { attempts: 0, baseDelayMs: 1, maxDelayMs: 1 } }).generate({ baseUrl: sim.url, ...creds, requestToken }));
    expect(e).toMatchObject({ kind: 'network', message: 'Could not reach Torus.' });
    expect(sim.requestCount('generate')).toBe(0);
  });

  it('an underlying error without a stack is shown as "Name: message", scrubbed', () => {
    const error = new TypeError('bad value abc123');
    delete (error as { stack?: string }).stack;
    expect(scrubbedCause(error, ['abc123'])!.stack).toBe('TypeError: bad value [redacted]');
  });
});
