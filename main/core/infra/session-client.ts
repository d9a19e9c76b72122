import { TorusError, toTorusError } from '../errors.js';
import { parseAccessTokenBody, parseJsonLenient, torusMessageOf } from '../domain/response-parser.js';
import { redact } from '../domain/redact.js';
import { totpCode } from '../domain/totp.js';

/**
 * The three Torus calls this product needs, with the network discipline the documented
 * samples lack: a timeout per attempt, bounded retries with backoff for transient failures
 * only, cancellation, a body size cap, and errors that never echo a secret.
 */
export const MAX_BODY_BYTES = 1024 * 1024;
/** The longest we wait inline for Torus's Retry-After; a longer wait is scheduled instead. */
export const MAX_RETRY_AFTER_MS = 30_000;

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 500, maxDelayMs: 8_000 };

export interface ClientOptions {
  timeoutMs?: number;
  retry?: RetryPolicy;
  signal?: AbortSignal;
  /** Debug log; every line is redacted before it gets here. */
  log?: (line: string) => void;
  /** Injected for deterministic tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  fetchImpl?: typeof fetch;
  /** The clock for Retry-After dates and the instant a long wait ends (the core's clock). */
  now?: () => number;
}

export interface GenerateInput {
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  requestToken: string;
}

export interface TotpGenerateInput {
  totpBaseUrl: string;
  apiKey: string;
  totpSecret: string;
  /** A fixed instant for the code (tests). Without it, `clock` (or Date.now) is read per attempt. */
  now?: number;
  /** The clock read for each attempt's code; defaults to Date.now. */
  clock?: () => number;
}

const TOTP_PERIOD_MS = 30_000;
/**
 * A code with less validity left than this is not sent: it could expire on the way (or while
 * Torus checks it). We wait for the next 30 s window instead, which costs at most this long.
 */
export const TOTP_MIN_VALIDITY_MS = 3_000;

export type VerifyResult = { status: 'valid' } | { status: 'rejected'; message: string } | { status: 'unknown'; message: string };

export interface CallResult {
  accessToken: string;
  attempts: number;
}

interface HttpRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Secret values to scrub from anything we report. */
  secrets: string[];
  /** Which credential a refusal points at, for the message. */
  refusal: 'request-token' | 'totp' | 'bearer';
}

interface HttpResponse {
  status: number;
  contentType: string | null;
  text: string;
  retryAfterMs: number | undefined;
}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelled());
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function cancelled(): TorusError {
  return new TorusError('cancelled', 'The refresh was cancelled.');
}

export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names its month ("Wed, 21 Oct 2015 07:28:00 GMT"); Date.parse alone would
  // also take "-5" or "2" as years.
  if (!/[a-z]{3}/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Exponential backoff with full jitter, or Torus's Retry-After when it gave one (capped). */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

async function readCapped(response: Response, signal: AbortSignal): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  // Stryker disable next-line StringLiteral: no body reads like any non-JSON text to every caller ("not JSON", no Torus message)
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    if (signal.aborted) throw signal.reason instanceof TorusError ? signal.reason : cancelled();
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(): TorusError {
  return new TorusError(
    'invalid-response',
    'Torus sent a response larger than 1 MiB, which no token response is. Check the base URL (Settings in the app, --base-url on the command line).',
  );
}

export class SessionClient {
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly fetchImpl: typeof fetch;
  private readonly log: ((line: string) => void) | undefined;
  private readonly now: () => number;

  constructor(options: ClientOptions = {}) {
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.log = options.log;
  }

  /** POST /api/v1/session/generate, exactly as documented. */
  async generate(input: GenerateInput, signal?: AbortSignal): Promise<CallResult> {
    return this.callForToken(
      {
        url: `${input.baseUrl}/api/v1/session/generate`,
        method: 'POST',
        headers: { Token: input.requestToken, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ API_KEY: input.apiKey, API_SECRET: input.apiSecret }),
        secrets: [input.apiKey, input.apiSecret, input.requestToken],
        refusal: 'request-token',
      },
      signal,
    );
  }

  /** POST /api/v1/session/totp/generate with a code computed here from the stored secret. */
  async generateWithTotp(input: TotpGenerateInput, signal?: AbortSignal): Promise<CallResult> {
    // A fresh code per attempt: a retry after backoff may cross a 30 s window. Near the end of
    // a window, wait for the next one rather than send a code that is about to expire.
    const clock = input.clock ?? Date.now;
    return this.callForToken(async () => {
      let at = input.now ?? clock();
      const left = TOTP_PERIOD_MS - (((at % TOTP_PERIOD_MS) + TOTP_PERIOD_MS) % TOTP_PERIOD_MS);
      if (input.now === undefined && left < TOTP_MIN_VALIDITY_MS) {
        await this.sleep(left, signal);
        at = Math.max(clock(), at + left);
      }
      const code = totpCode(input.totpSecret, at);
      return {
        url: `${input.totpBaseUrl}/api/v1/session/totp/generate`,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ API_KEY: input.apiKey, TOTP: code }),
        secrets: [input.apiKey, input.totpSecret, code],
        refusal: 'totp',
      };
    }, signal);
  }

  /** GET /api/v1/market/status with the token: the cheapest authenticated read. */
  async verify(baseUrl: string, accessToken: string, signal?: AbortSignal): Promise<VerifyResult> {
    const request: HttpRequest = {
      url: `${baseUrl}/api/v1/market/status`,
      method: 'GET',
      headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
      secrets: [accessToken],
      refusal: 'bearer',
    };
    try {
      await this.withRetries(
        () => request,
        async (response) => {
          // Stryker disable next-line ConditionalExpression: fetch never hands over a status below 200 (1xx are interim)
          if (response.status >= 200 && response.status < 300) return;
          throw this.errorFor(response, request);
        },
        signal,
      );
      return { status: 'valid' };
    } catch (error) {
      const e = toTorusError(error);
      if (e.kind === 'rejected') return { status: 'rejected', message: e.message };
      return { status: 'unknown', message: e.message };
    }
  }

  private async callForToken(request: HttpRequest | (() => HttpRequest | Promise<HttpRequest>), signal?: AbortSignal): Promise<CallResult> {
    const make = typeof request === 'function' ? request : () => request;
    let attempts = 0;
    const accessToken = await this.withRetries(
      () => {
        attempts++;
        return make();
      },
      async (response, req) => {
        if (response.status === 200 || response.status === 201) {
          try {
            return parseAccessTokenBody(response.text, response.contentType, req.secrets);
          } catch (error) {
            throw redactedError(error, req.secrets);
          }
        }
        throw this.errorFor(response, req);
      },
      signal,
    );
    return { accessToken, attempts };
  }

  private async withRetries<T>(
    make: () => HttpRequest | Promise<HttpRequest>,
    interpret: (response: HttpResponse, request: HttpRequest) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    let last: TorusError | undefined;
    // An attempt that timed out or hit a server error may still have reached Torus, which may
    // then have spent a single-use request token: a refusal after it says so.
    let uncertain = false;
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      if (signal?.aborted) throw cancelled();
      const request = await make();
      const started = Date.now();
      try {
        const response = await this.send(request, signal);
        this.debug(`${request.method} ${request.url} -> ${response.status} in ${Date.now() - started} ms`, request);
        return await interpret(response, request);
      } catch (error) {
        let e = toTorusError(error);
        this.debug(`${request.method} ${request.url} attempt ${attempt} failed: ${e.kind}`, request);
        if (e.kind === 'rejected' && uncertain && request.refusal === 'request-token') e = afterUncertainAttempt(e);
        if (!e.transient) throw e; // a refusal, a bad answer, a cancel: final
        if (e.kind === 'timeout' || e.kind === 'server-error') uncertain = true;
        last = e;
        if (attempt === this.retry.attempts) break;
        const retryAfterMs = e.retryAfterSeconds === undefined ? undefined : e.retryAfterSeconds * 1000;
        // Torus asks for a longer pause than we wait inline: stop, and let the schedule try then.
        if (retryAfterMs !== undefined && retryAfterMs > MAX_RETRY_AFTER_MS) break;
        await this.sleep(backoffDelay(attempt, this.retry, this.random, retryAfterMs), signal);
      }
    }
    throw last ?? new TorusError('network', 'Could not reach Torus.');
  }

  private async send(request: HttpRequest, outer?: AbortSignal): Promise<HttpResponse> {
    const controller = new AbortController();
    const timeout = new TorusError('timeout', `Torus did not answer within ${Math.round(this.timeoutMs / 1000)} s. Check your connection and try again.`);
    const timer = setTimeout(() => controller.abort(timeout), this.timeoutMs);
    const onOuterAbort = () => controller.abort(cancelled());
    // Removed in the finally below, whatever happens.
    outer?.addEventListener('abort', onOuterAbort);
    try {
      const init: RequestInit = {
        method: request.method,
        headers: request.headers,
        redirect: 'manual',
        signal: controller.signal,
      };
      // Stryker disable next-line ConditionalExpression: fetch treats an undefined body as none
      if (request.body !== undefined) init.body = request.body;
      const response = await this.fetchImpl(request.url, init);
      const text = await readCapped(response, controller.signal);
      return {
        status: response.status,
        contentType: response.headers.get('content-type'),
        text,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), this.now()),
      };
    } catch (error) {
      if (error instanceof TorusError) throw error;
      if (controller.signal.aborted) {
        const reason: unknown = controller.signal.reason;
        throw reason instanceof TorusError ? reason : cancelled();
      }
      // The cause is kept for --debug, scrubbed first: undici's own messages can quote a
      // header value (e.g. 'Headers.append: "<request token>" is an invalid header value').
      throw new TorusError(
        'network',
        `Could not reach Torus at ${new URL(request.url).host}. Check your internet connection and the base URL, then try again.`,
        {
          cause: scrubbedCause(error, request.secrets),
        },
      );
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    }
  }

  private errorFor(response: HttpResponse, request: HttpRequest): TorusError {
    let torusMessage: string | undefined;
    try {
      // Redacted before it is shortened, so an echoed secret is never cut in half.
      torusMessage = torusMessageOf(parseJsonLenient(response.text), request.secrets);
    } catch {
      // Not JSON: Torus said nothing we can show.
    }
    const said = torusMessage ? ` Torus said: "${torusMessage}".` : '';
    const status = response.status;
    const base = { status, torusMessage };
    if (status === 400 || status === 401 || status === 403) {
      return new TorusError('rejected', refusalMessage(request.refusal, status, torusMessage) + said, {
        ...base,
        needsSignIn: request.refusal === 'request-token' && !blamesKeyOrSecret(torusMessage),
      });
    }
    // Retry-After is honoured on 429 and 503 alike; a long one is shown and scheduled.
    const retryAfterSeconds = response.retryAfterMs === undefined ? undefined : Math.ceil(response.retryAfterMs / 1000);
    const wait =
      retryAfterSeconds === undefined
        ? {}
        : { retryAfterSeconds, ...(retryAfterSeconds * 1000 > MAX_RETRY_AFTER_MS ? { retryAt: this.now() + retryAfterSeconds * 1000 } : {}) };
    const asks =
      retryAfterSeconds !== undefined && retryAfterSeconds * 1000 > MAX_RETRY_AFTER_MS ? ` Torus asks to wait ${describeWait(retryAfterSeconds)}.` : '';
    if (status === 429) {
      return new TorusError('rate-limited', `Torus is limiting requests (HTTP 429).${asks || ' Wait a minute and try again.'}${said}`, { ...base, ...wait });
    }
    if (status >= 500) {
      return new TorusError(
        'server-error',
        `Torus had a server error (HTTP ${status}). This is on Torus's side.${asks || ' Try again in a few minutes.'}${said}`,
        status === 503 ? { ...base, ...wait } : base,
      );
    }
    // Stryker disable next-line EqualityOperator: 400 has returned above as a refusal
    if (status >= 300 && status < 400) {
      return new TorusError(
        'invalid-response',
        `Torus answered with a redirect (HTTP ${status}), which it should not. Check the base URL (Settings in the app, --base-url on the command line).`,
        base,
      );
    }
    return new TorusError(
      'invalid-response',
      `Torus answered with HTTP ${status}, which was not expected. Check the base URL (Settings in the app, --base-url on the command line).${said}`,
      base,
    );
  }

  private debug(line: string, request: HttpRequest): void {
    this.log?.(redact(line, request.secrets));
  }
}

/**
 * A copy of an error (and its causes, a few levels deep) with every known secret removed from
 * the message and stack; the name and the errno-style fields (code, errno, syscall) are kept.
 */
export function scrubbedCause(error: unknown, secrets: readonly string[], depth = 0): Error | undefined {
  if (!(error instanceof Error)) return undefined;
  // undici quotes header values after trimming them: scrub the trimmed forms too.
  // Stryker disable next-line ConditionalExpression: adding the trimmed forms again at a deeper level only repeats them
  if (depth === 0) secrets = [...secrets, ...secrets.map((s) => s.trim())];
  const copy = new Error(redact(error.message, secrets));
  copy.name = error.name;
  copy.stack = redact(error.stack ?? `${error.name}: ${error.message}`, secrets);
  const fields = error as Error & { code?: unknown; errno?: unknown; syscall?: unknown };
  const target = copy as Error & { code?: unknown; errno?: unknown; syscall?: unknown };
  if (typeof fields.code === 'string' || typeof fields.code === 'number') target.code = fields.code;
  if (typeof fields.errno === 'number') target.errno = fields.errno;
  if (typeof fields.syscall === 'string') target.syscall = fields.syscall;
  // Stryker disable next-line ConditionalExpression: an undefined cause scrubs to nothing, which is not kept
  if (depth < 3 && error.cause !== undefined) {
    const inner = scrubbedCause(error.cause, secrets, depth + 1);
    if (inner) copy.cause = inner;
  }
  return copy;
}

/** parseAccessTokenBody's errors (a kind, a message, perhaps Torus's words) may echo a credential: scrub them. */
function redactedError(error: unknown, secrets: string[]): unknown {
  if (!(error instanceof TorusError)) return error;
  return new TorusError(
    error.kind,
    redact(error.message, secrets),
    error.torusMessage === undefined ? {} : { torusMessage: redact(error.torusMessage, secrets) },
  );
}

/** "10 min", "2 h", "45 s". */
export function describeWait(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

function afterUncertainAttempt(error: TorusError): TorusError {
  return new TorusError(
    error.kind,
    `${error.message} An earlier attempt timed out or met a server error, so Torus may already have used the request token then.`,
    {
      status: error.status,
      torusMessage: error.torusMessage,
      needsSignIn: error.needsSignIn,
    },
  );
}

function blamesKeyOrSecret(message: string | undefined): boolean {
  return message !== undefined && /api[ _-]?key|secret|merchant/i.test(message) && !/request[ _-]?token/i.test(message);
}

function refusalMessage(kind: HttpRequest['refusal'], status: number, torusMessage: string | undefined): string {
  switch (kind) {
    case 'request-token':
      return blamesKeyOrSecret(torusMessage)
        ? `Torus refused the API key or secret (HTTP ${status}). Check them in Settings (app) or run "torus-token login" again.`
        : `Torus refused the request token (HTTP ${status}); it has probably expired or was already used. Sign in to Torus again to get a fresh one.`;
    case 'totp':
      return `Torus refused the TOTP login (HTTP ${status}). Check the TOTP secret and that this computer's clock is correct.`;
    case 'bearer':
      return `Torus no longer accepts this access token (HTTP ${status}). Refresh to get a new one.`;
  }
}
