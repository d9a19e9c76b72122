import { INVOKE_CHANNELS, type InvokeChannel, type RequestOf, type Result, type ResponseOf, type UiError } from '../../preload/contract.js';
import { toTorusError } from '../core/errors.js';
import { payloadSchemas } from './schemas.js';

/**
 * The IPC router: the only door from the renderer into main. It is Electron-free, so the
 * Electron glue and the browser-test bridge share it. Each call is checked twice before any
 * handler runs: the sender must be our own page, and the payload must match its schema.
 * Refusals are logged by channel and reason only, never with the payload.
 */
export type Handlers = { [C in InvokeChannel]: (payload: RequestOf<C>) => Promise<ResponseOf<C>> | ResponseOf<C> };

export interface RouterOptions {
  /** Is this frame URL our own renderer page? */
  isTrustedSender: (senderUrl: string | undefined) => boolean;
  log: (line: string) => void;
}

export interface IpcRouter {
  readonly channels: readonly InvokeChannel[];
  handle(channel: string, senderUrl: string | undefined, payload: unknown): Promise<Result<unknown>>;
}

/** A failure as the popover shows it: the core's kind and plain-words message, never a stack or a secret. */
export function toUiError(error: unknown): UiError {
  const e = toTorusError(error);
  return { kind: e.kind, message: e.message, needsSignIn: e.needsSignIn };
}

const forbidden = (message: string): Result<never> => ({ ok: false, error: { kind: 'forbidden', message, needsSignIn: false } });

export function createIpcRouter(handlers: Handlers, options: RouterOptions): IpcRouter {
  const known = new Set<string>(INVOKE_CHANNELS);
  return {
    channels: INVOKE_CHANNELS,
    async handle(channel, senderUrl, payload) {
      if (!known.has(channel)) {
        options.log(`ipc: refused unknown channel`);
        return forbidden('Unknown request.');
      }
      const typed = channel as InvokeChannel;
      if (!options.isTrustedSender(senderUrl)) {
        options.log(`ipc: refused ${typed} from an untrusted sender`);
        return forbidden('This request did not come from Torus Token.');
      }
      const parsed = payloadSchemas[typed].safeParse(payload ?? null);
      if (!parsed.success) {
        options.log(`ipc: refused ${typed}: payload does not match its schema (${parsed.error.issues.map((i) => i.path.join('.') || 'payload').join(', ')})`);
        return { ok: false, error: { kind: 'invalid-input', message: 'That request was not understood.', needsSignIn: false } };
      }
      try {
        const handler = handlers[typed] as (p: unknown) => unknown;
        return { ok: true, value: await handler(parsed.data) };
      } catch (error) {
        return { ok: false, error: toUiError(error) };
      }
    },
  };
}
