/**
 * Loopback HTTP simulator of the Torus Digital Connects API (see /work/shared/torus-api.md).
 *
 * A test double: it keeps every request (including the secrets clients send) in memory so
 * tests can assert on them. It never listens on anything but the host it is given
 * (127.0.0.1 by default).
 *
 * Routes:
 *   POST /api/v1/session/generate        Token: <request token>, {"API_KEY","API_SECRET"}
 *   POST /api/v1/session/totp/generate   {"API_KEY","TOTP"}
 *   GET  /api/v1/market/status           Authorization: Bearer <access token>
 *   GET  /connect/login/:apiKey          SSO-like OTP page
 *   POST /connect/login/:apiKey          otp=NNNNNN -> 302 endUrl?REQUEST_TOKEN=...
 *   GET  /callback                       "You can close this window"
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Secret, TOTP } from 'otpauth';

export type SimulatorFault =
  | 'none'
  | 'reject-400'
  | 'reject-401'
  | 'reject-403'
  | 'not-found'
  | 'redirect'
  | 'server-error-burst'
  | 'rate-limit'
  | 'hang'
  | 'reset'
  | 'html-error'
  | 'trailing-comma'
  | 'empty-token'
  | 'oversized';

export interface SimulatorOptions {
  host?: string; // default '127.0.0.1'
  port?: number; // default 0 (ephemeral)
  apiKey?: string;
  apiSecret?: string;
  totpSecret?: string; // base32
  tokenKind?: 'jwt' | 'opaque'; // default 'jwt'
  tokenLifetimeSeconds?: number; // default 8 hours
  requestTokenReuse?: 'single' | 'reusable'; // default 'single'
  requestTokenLifetimeSeconds?: number; // default 600
  endUrl?: string; // redirect target after SSO; default `${simulatorUrl}/callback`
  now?: () => number; // ms clock, default Date.now
}

export interface SimulatorRequestLog {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

type FaultRoute = 'generate' | 'totp' | 'status';
type Route = FaultRoute | 'login' | 'callback';

export interface TorusSimulator {
  readonly url: string;
  readonly port: number;
  /**
   * `retryAfterSeconds` is sent on 429 (default 1) and, when given, on the 503 of
   * server-error-burst too; `retryAfterAs: 'http-date'` sends it as an HTTP date.
   */
  setFault(
    fault: SimulatorFault,
    opts?: { burst?: number; retryAfterSeconds?: number; retryAfterAs?: 'seconds' | 'http-date'; routes?: Array<'generate' | 'totp' | 'status'> },
  ): void;
  issueRequestToken(): string;
  revokeAccessTokens(): void;
  readonly requests: SimulatorRequestLog[];
  requestCount(route: 'generate' | 'totp' | 'status' | 'login'): number;
  resetLog(): void;
  update(opts: Partial<SimulatorOptions>): void;
  close(): Promise<void>;
}

export const SIMULATOR_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  apiKey: 'demo-api-key',
  apiSecret: 'demo-api-secret',
  totpSecret: 'JBSWY3DPEHPK3PXP',
  tokenKind: 'jwt',
  tokenLifetimeSeconds: 8 * 60 * 60,
  requestTokenReuse: 'single',
  requestTokenLifetimeSeconds: 600,
} as const;

export const SIMULATOR_FAULTS: readonly SimulatorFault[] = [
  'none',
  'reject-400',
  'reject-401',
  'reject-403',
  'not-found',
  'redirect',
  'server-error-burst',
  'rate-limit',
  'hang',
  'reset',
  'html-error',
  'trailing-comma',
  'empty-token',
  'oversized',
];

/** Size of the 'oversized' fault body. */
export const OVERSIZED_BODY_BYTES = 2 * 1024 * 1024;
const OVERSIZED_CHUNK = Buffer.alloc(64 * 1024, 'x');
/** Request bodies above this are answered with 413 (and not kept in full in the log). */
const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

const INVALID_REQUEST_TOKEN = 'Request token is invalid or expired';

interface Config {
  apiKey: string;
  apiSecret: string;
  totpSecret: string;
  tokenKind: 'jwt' | 'opaque';
  tokenLifetimeSeconds: number;
  requestTokenReuse: 'single' | 'reusable';
  requestTokenLifetimeSeconds: number;
  endUrl: string | undefined;
  now: () => number;
}

interface FaultState {
  fault: SimulatorFault;
  /** Requests left before the fault switches itself off; undefined = until setFault('none'). */
  remaining: number | undefined;
  retryAfterSeconds: number;
  /** The 503 carries Retry-After only when the test asked for one. */
  retryAfterOn503: boolean;
  retryAfterAs: 'seconds' | 'http-date';
  routes: ReadonlySet<FaultRoute>;
}

interface RequestTokenRecord {
  expiresAt: number; // ms
  used: boolean;
}

function isFault(value: unknown): value is SimulatorFault {
  return typeof value === 'string' && (SIMULATOR_FAULTS as readonly string[]).includes(value);
}

function checkPositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number of seconds (got ${value})`);
  }
}

function makeTotp(base32: string): TOTP {
  const cleaned = base32.replace(/[\s-]/g, '').toUpperCase();
  if (cleaned.length === 0 || !/^[A-Z2-7]+=*$/.test(cleaned)) {
    throw new RangeError('totpSecret must be a non-empty base32 string');
  }
  return new TOTP({ secret: Secret.fromBase32(cleaned), algorithm: 'SHA1', digits: 6, period: 30 });
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function classify(pathname: string): Route | undefined {
  if (pathname === '/api/v1/session/generate') return 'generate';
  if (pathname === '/api/v1/session/totp/generate') return 'totp';
  if (pathname === '/api/v1/market/status') return 'status';
  if (pathname === '/callback') return 'callback';
  if (/^\/connect\/login\/[^/]+$/.test(pathname)) return 'login';
  return undefined;
}

function normalisePath(rawUrl: string | undefined): string {
  let pathname: string;
  try {
    pathname = new URL(rawUrl ?? '/', 'http://simulator.invalid').pathname;
  } catch {
    pathname = '/';
  }
  if (pathname.length > 1 && pathname.endsWith('/')) pathname = pathname.slice(0, -1);
  return pathname;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { status: 'error', message }, headers);
}

function sendRaw(res: ServerResponse, status: number, contentType: string, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

const HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";

function sendHtml(res: ServerResponse, status: number, html: string): void {
  sendRaw(res, status, 'text/html; charset=utf-8', html, {
    'content-security-policy': HTML_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
}

function page(title: string, inner: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f5f7; color: #1d2330; margin: 0; }
  main { max-width: 26rem; margin: 4rem auto; background: #fff; padding: 2rem; border-radius: 12px;
         box-shadow: 0 2px 12px rgba(0,0,0,.08); }
  h1 { font-size: 1.3rem; margin-top: 0; }
  label { display: block; margin: 1rem 0 .4rem; font-weight: 600; }
  input { font-size: 1.4rem; letter-spacing: .3em; width: 100%; box-sizing: border-box; padding: .5rem; }
  button { margin-top: 1rem; font-size: 1rem; padding: .6rem 1.2rem; border: 0; border-radius: 8px;
           background: #3a5bd9; color: #fff; cursor: pointer; }
  .hint { color: #5b6478; font-size: .9rem; }
  .error { color: #b3261e; }
  code { word-break: break-all; background: #eef0f4; padding: .1rem .3rem; border-radius: 4px; }
</style>
</head>
<body>
<main>
${inner}
</main>
</body>
</html>
`;
}

function loginPage(apiKey: string, error?: string): string {
  const action = `/connect/login/${encodeURIComponent(apiKey)}`;
  return page(
    'Torus SSO (simulator)',
    `<h1>Sign in to Torus (simulator)</h1>
<p>App <code>${escapeHtml(apiKey)}</code> wants to connect to your account.</p>
${error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>`}
<form method="post" action="${escapeHtml(action)}">
  <label for="otp">One-time password</label>
  <input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>
  <p class="hint">demo OTP: 123456 (any 6 digits work)</p>
  <button type="submit">Continue</button>
</form>`,
  );
}

function notFoundPage(): string {
  return page(
    'Not found',
    `<h1>Unknown app</h1>
<p>No app is registered with this API key.</p>`,
  );
}

function callbackPage(requestToken: string | undefined): string {
  return page(
    'Signed in',
    `<h1>Signed in</h1>
<p>You can close this window.</p>
${requestToken === undefined ? '' : `<p class="hint">Request token: <code>${escapeHtml(requestToken)}</code></p>`}`,
  );
}

function findQueryParam(search: URLSearchParams, wanted: string[]): string | undefined {
  const lowered = wanted.map((w) => w.toLowerCase());
  for (const [key, value] of search) {
    if (lowered.includes(key.toLowerCase())) return value;
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<{ body: string; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BODY_BYTES) {
      tooLarge = true;
      continue; // drain but do not keep
    }
    chunks.push(chunk);
  }
  return { body: Buffer.concat(chunks).toString('utf8'), tooLarge };
}

function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // fall through
  }
  return undefined;
}

async function streamOversized(res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  const prefix = '{"AccessToken":"';
  const suffix = '"}';
  let remaining = OVERSIZED_BODY_BYTES - prefix.length - suffix.length;
  res.write(prefix);
  while (remaining > 0) {
    if (res.destroyed || res.writableEnded) return;
    const n = Math.min(OVERSIZED_CHUNK.length, remaining);
    const ok = res.write(n === OVERSIZED_CHUNK.length ? OVERSIZED_CHUNK : OVERSIZED_CHUNK.subarray(0, n));
    remaining -= n;
    if (!ok) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  if (!res.destroyed) res.end(suffix);
}

class Simulator implements TorusSimulator {
  readonly requests: SimulatorRequestLog[] = [];
  private readonly config: Config;
  private totp: TOTP;
  private faultState: FaultState = {
    fault: 'none',
    remaining: undefined,
    retryAfterSeconds: 1,
    retryAfterOn503: false,
    retryAfterAs: 'seconds',
    routes: new Set(),
  };
  private readonly requestTokens = new Map<string, RequestTokenRecord>();
  private readonly accessTokens = new Map<string, number>(); // token -> expiry ms
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private boundPort = 0;
  private boundHost: string;
  private closing: Promise<void> | undefined;

  constructor(opts: SimulatorOptions) {
    this.config = {
      apiKey: opts.apiKey ?? SIMULATOR_DEFAULTS.apiKey,
      apiSecret: opts.apiSecret ?? SIMULATOR_DEFAULTS.apiSecret,
      totpSecret: opts.totpSecret ?? SIMULATOR_DEFAULTS.totpSecret,
      tokenKind: opts.tokenKind ?? SIMULATOR_DEFAULTS.tokenKind,
      tokenLifetimeSeconds: opts.tokenLifetimeSeconds ?? SIMULATOR_DEFAULTS.tokenLifetimeSeconds,
      requestTokenReuse: opts.requestTokenReuse ?? SIMULATOR_DEFAULTS.requestTokenReuse,
      requestTokenLifetimeSeconds: opts.requestTokenLifetimeSeconds ?? SIMULATOR_DEFAULTS.requestTokenLifetimeSeconds,
      endUrl: opts.endUrl,
      now: opts.now ?? Date.now,
    };
    this.validateConfig(this.config);
    this.totp = makeTotp(this.config.totpSecret);
    this.boundHost = opts.host ?? SIMULATOR_DEFAULTS.host;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent && !res.destroyed) sendError(res, 500, 'Internal simulator error');
        else res.destroy();
      });
    });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    // Malformed HTTP from a client: answer 400 instead of crashing.
    this.server.on('clientError', (_err, socket: Socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  async listen(port: number): Promise<void> {
    this.server.listen(port, this.boundHost);
    await once(this.server, 'listening');
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('simulator: unexpected server address');
    this.boundPort = address.port;
  }

  get url(): string {
    const host = this.boundHost.includes(':') ? `[${this.boundHost}]` : this.boundHost;
    return `http://${host}:${this.boundPort}`;
  }

  get port(): number {
    return this.boundPort;
  }

  private validateConfig(config: Config): void {
    checkPositive('tokenLifetimeSeconds', config.tokenLifetimeSeconds);
    checkPositive('requestTokenLifetimeSeconds', config.requestTokenLifetimeSeconds);
    if (config.tokenKind !== 'jwt' && config.tokenKind !== 'opaque') {
      throw new RangeError(`tokenKind must be 'jwt' or 'opaque'`);
    }
    if (config.requestTokenReuse !== 'single' && config.requestTokenReuse !== 'reusable') {
      throw new RangeError(`requestTokenReuse must be 'single' or 'reusable'`);
    }
    if (config.apiKey.length === 0) throw new RangeError('apiKey must not be empty');
    if (config.endUrl !== undefined) new URL(config.endUrl); // throws on a bad URL
  }

  setFault(
    fault: SimulatorFault,
    opts: { burst?: number; retryAfterSeconds?: number; retryAfterAs?: 'seconds' | 'http-date'; routes?: FaultRoute[] } = {},
  ): void {
    if (!isFault(fault)) throw new RangeError(`unknown simulator fault: ${String(fault)}`);
    let remaining = opts.burst;
    if (remaining === undefined) {
      if (fault === 'server-error-burst') remaining = 2;
      else if (fault === 'rate-limit') remaining = 1;
    }
    if (remaining !== undefined && (!Number.isInteger(remaining) || remaining < 0)) {
      throw new RangeError('burst must be a non-negative integer');
    }
    const retryAfterSeconds = opts.retryAfterSeconds ?? 1;
    if (!Number.isFinite(retryAfterSeconds) || retryAfterSeconds < 0) {
      throw new RangeError('retryAfterSeconds must be a non-negative number');
    }
    this.faultState = {
      fault: remaining === 0 ? 'none' : fault,
      remaining,
      retryAfterSeconds,
      retryAfterOn503: opts.retryAfterSeconds !== undefined,
      retryAfterAs: opts.retryAfterAs ?? 'seconds',
      routes: new Set(opts.routes ?? ['generate', 'totp']),
    };
  }

  private retryAfterHeader(fault: FaultState): Record<string, string> {
    const value =
      fault.retryAfterAs === 'http-date' ? new Date(this.config.now() + fault.retryAfterSeconds * 1000).toUTCString() : String(fault.retryAfterSeconds);
    return { 'retry-after': value };
  }

  issueRequestToken(): string {
    const token = randomBytes(16).toString('hex');
    this.requestTokens.set(token, {
      expiresAt: this.config.now() + this.config.requestTokenLifetimeSeconds * 1000,
      used: false,
    });
    return token;
  }

  revokeAccessTokens(): void {
    this.accessTokens.clear();
  }

  requestCount(route: 'generate' | 'totp' | 'status' | 'login'): number {
    return this.requests.filter((r) => classify(normalisePath(r.path)) === route).length;
  }

  resetLog(): void {
    this.requests.length = 0;
  }

  update(opts: Partial<SimulatorOptions>): void {
    const next: Config = { ...this.config };
    if (opts.apiKey !== undefined) next.apiKey = opts.apiKey;
    if (opts.apiSecret !== undefined) next.apiSecret = opts.apiSecret;
    if (opts.totpSecret !== undefined) next.totpSecret = opts.totpSecret;
    if (opts.tokenKind !== undefined) next.tokenKind = opts.tokenKind;
    if (opts.tokenLifetimeSeconds !== undefined) next.tokenLifetimeSeconds = opts.tokenLifetimeSeconds;
    if (opts.requestTokenReuse !== undefined) next.requestTokenReuse = opts.requestTokenReuse;
    if (opts.requestTokenLifetimeSeconds !== undefined) next.requestTokenLifetimeSeconds = opts.requestTokenLifetimeSeconds;
    if ('endUrl' in opts) next.endUrl = opts.endUrl;
    if (opts.now !== undefined) next.now = opts.now;
    this.validateConfig(next);
    const totp = next.totpSecret === this.config.totpSecret ? this.totp : makeTotp(next.totpSecret);
    Object.assign(this.config, next);
    this.totp = totp;
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      this.sockets.clear();
    });
    return this.closing;
  }

  // ---------------------------------------------------------------------------------------

  private endUrl(): string {
    return this.config.endUrl ?? `${this.url}/callback`;
  }

  private mintAccessToken(): string {
    const now = this.config.now();
    let token: string;
    let expiresAt: number;
    if (this.config.tokenKind === 'jwt') {
      const iat = Math.floor(now / 1000);
      const exp = iat + Math.round(this.config.tokenLifetimeSeconds);
      token = [base64urlJson({ alg: 'HS256', typ: 'JWT' }), base64urlJson({ sub: this.config.apiKey, iat, exp }), randomBytes(32).toString('base64url')].join(
        '.',
      );
      expiresAt = exp * 1000;
    } else {
      token = randomBytes(20).toString('hex');
      expiresAt = now + this.config.tokenLifetimeSeconds * 1000;
    }
    this.accessTokens.set(token, expiresAt);
    return token;
  }

  /** Returns the fault to apply to this request (consuming one burst slot), or 'none'. */
  private takeFault(route: FaultRoute): FaultState | undefined {
    const state = this.faultState;
    if (state.fault === 'none' || !state.routes.has(route)) return undefined;
    if (state.remaining !== undefined) {
      state.remaining -= 1;
      if (state.remaining <= 0) {
        this.faultState = { ...state, fault: 'none', remaining: undefined };
      }
    }
    return state;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = this.config.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const rawPath = req.url ?? '/';
    const { body, tooLarge } = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    this.requests.push({ method, path: rawPath, headers, body, at });

    if (tooLarge) {
      sendError(res, 413, 'Request body too large');
      return;
    }

    const url = new URL(rawPath, 'http://simulator.invalid');
    const pathname = normalisePath(rawPath);
    const route = classify(pathname);
    if (route === undefined) {
      sendError(res, 404, 'Not found');
      return;
    }

    const allowed: Record<Route, string[]> = {
      generate: ['POST'],
      totp: ['POST'],
      status: ['GET'],
      login: ['GET', 'POST'],
      callback: ['GET'],
    };
    const allow = allowed[route];
    if (!allow.includes(method)) {
      sendError(res, 405, 'Method not allowed', { allow: allow.join(', ') });
      return;
    }

    if (route === 'login') {
      this.handleLogin(method, pathname, body, res);
      return;
    }
    if (route === 'callback') {
      sendHtml(res, 200, callbackPage(findQueryParam(url.searchParams, ['request_token', 'requestToken'])));
      return;
    }

    const fault = this.takeFault(route);
    if (fault !== undefined) {
      switch (fault.fault) {
        case 'reject-400':
          sendError(res, 400, 'Bad request: invalid request token');
          return;
        case 'reject-401':
          sendError(res, 401, 'Unauthorized: access denied');
          return;
        case 'not-found':
          // A base URL with the wrong path prefix, or an endpoint moved.
          sendError(res, 404, 'Not found');
          return;
        case 'redirect':
          // A captive portal or a login page in front of the API.
          sendRaw(res, 302, 'text/html; charset=utf-8', '<a href="/connect/login">Moved</a>', { location: '/connect/login' });
          return;
        case 'reject-403':
          sendError(res, 403, 'Forbidden: access to this resource is not allowed');
          return;
        case 'server-error-burst':
          sendError(res, 503, 'Service temporarily unavailable', fault.retryAfterOn503 ? this.retryAfterHeader(fault) : {});
          return;
        case 'rate-limit':
          sendError(res, 429, 'Too many requests', this.retryAfterHeader(fault));
          return;
        case 'hang':
          // Accept and never answer. close() destroys the socket.
          return;
        case 'reset':
          if (typeof req.socket.resetAndDestroy === 'function') req.socket.resetAndDestroy();
          else req.socket.destroy();
          return;
        case 'html-error':
          sendRaw(res, 200, 'text/html; charset=utf-8', '<html><body>Service unavailable</body></html>');
          return;
        case 'oversized':
          await streamOversized(res);
          return;
        case 'trailing-comma':
        case 'empty-token':
        case 'none':
          break; // success-shaped faults: normal validation, then a different success body
      }
    }
    const successShape = fault?.fault === 'trailing-comma' || fault?.fault === 'empty-token' ? fault.fault : 'normal';

    if (route === 'status') {
      this.handleStatus(req, res, successShape);
      return;
    }
    this.handleSession(route, req, body, res, successShape);
  }

  private handleSession(
    route: 'generate' | 'totp',
    req: IncomingMessage,
    body: string,
    res: ServerResponse,
    shape: 'normal' | 'trailing-comma' | 'empty-token',
  ): void {
    const json = parseJsonObject(body);
    if (json === undefined) {
      sendError(res, 400, 'Invalid request body: expected a JSON object');
      return;
    }
    if (route === 'generate') {
      if (json['API_KEY'] !== this.config.apiKey || json['API_SECRET'] !== this.config.apiSecret) {
        sendError(res, 401, 'Invalid API key or secret');
        return;
      }
      const header = req.headers['token'];
      const requestToken = (Array.isArray(header) ? header[0] : header)?.trim();
      const record = requestToken === undefined ? undefined : this.requestTokens.get(requestToken);
      if (
        requestToken === undefined ||
        record === undefined ||
        this.config.now() >= record.expiresAt ||
        (record.used && this.config.requestTokenReuse === 'single')
      ) {
        sendError(res, 401, INVALID_REQUEST_TOKEN);
        return;
      }
      record.used = true;
    } else {
      if (json['API_KEY'] !== this.config.apiKey) {
        sendError(res, 401, 'Invalid API key');
        return;
      }
      const code = json['TOTP'];
      const valid = typeof code === 'string' && /^\d{6}$/.test(code) && this.totp.validate({ token: code, timestamp: this.config.now(), window: 1 }) !== null;
      if (!valid) {
        sendError(res, 401, 'Invalid TOTP');
        return;
      }
    }

    const token = this.mintAccessToken();
    if (shape === 'trailing-comma') {
      sendRaw(res, 200, 'application/json; charset=utf-8', `{\n"AccessToken": ${JSON.stringify(token)},\n}`);
    } else if (shape === 'empty-token') {
      sendJson(res, 200, { AccessToken: '' });
    } else {
      sendJson(res, 200, { AccessToken: token });
    }
  }

  private handleStatus(req: IncomingMessage, res: ServerResponse, shape: 'normal' | 'trailing-comma' | 'empty-token'): void {
    const auth = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    const token = match?.[1];
    const expiresAt = token === undefined ? undefined : this.accessTokens.get(token);
    if (expiresAt === undefined || this.config.now() >= expiresAt) {
      sendError(res, 401, 'Invalid or expired access token');
      return;
    }
    if (shape === 'trailing-comma') {
      sendRaw(
        res,
        200,
        'application/json; charset=utf-8',
        '{\n"status": "success",\n"message": "Success",\n"data": [{"exchange": "NSE", "status": "open"}],\n}',
      );
    } else if (shape === 'empty-token') {
      sendJson(res, 200, { AccessToken: '' });
    } else {
      sendJson(res, 200, { status: 'success', message: 'Success', data: [{ exchange: 'NSE', status: 'open' }] });
    }
  }

  private handleLogin(method: string, pathname: string, body: string, res: ServerResponse): void {
    let apiKey: string;
    try {
      apiKey = decodeURIComponent(pathname.slice('/connect/login/'.length));
    } catch {
      sendHtml(res, 404, notFoundPage());
      return;
    }
    if (apiKey !== this.config.apiKey) {
      sendHtml(res, 404, notFoundPage());
      return;
    }
    if (method === 'GET') {
      sendHtml(res, 200, loginPage(apiKey));
      return;
    }
    const otp = new URLSearchParams(body).get('otp')?.trim() ?? '';
    if (!/^\d{6}$/.test(otp)) {
      sendHtml(res, 400, loginPage(apiKey, 'Enter the 6-digit one-time password.'));
      return;
    }
    const target = new URL(this.endUrl());
    target.searchParams.set('REQUEST_TOKEN', this.issueRequestToken());
    res.writeHead(302, { location: target.toString(), 'cache-control': 'no-store', 'content-length': '0' });
    res.end();
  }
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<TorusSimulator> {
  const simulator = new Simulator(opts);
  await simulator.listen(opts.port ?? SIMULATOR_DEFAULTS.port);
  return simulator;
}
