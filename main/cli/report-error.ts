import { exitCodeFor, toTorusError, type TorusError } from '../core/errors.js';
import { redact } from '../core/domain/redact.js';
import type { CliIo } from './io.js';

/**
 * How every command reports a failure: one scrubbed line on stderr (plus the cause chain with
 * --debug), and the documented exit code. Shared by the full CLI and the fast path, so both
 * answer a failure with the same words and code.
 */
export function reportFailure(error: unknown, io: Pick<CliIo, 'stderr'>, debug: boolean): number {
  const torusError: TorusError = toTorusError(error);
  io.stderr.write(`torus-token: ${redact(torusError.message)}\n`);
  if (debug) {
    const cause = torusError.cause;
    io.stderr.write(`[debug] kind=${torusError.kind}${torusError.status ? ` status=${torusError.status}` : ''}\n`);
    // Causes from Torus calls are scrubbed of the call's secrets where they are made
    // (session-client); the chain is shown a few levels deep (e.g. fetch failed → ECONNREFUSED).
    let level: unknown = cause;
    for (let depth = 0; depth < 4 && level instanceof Error; depth++, level = level.cause) {
      const code = (level as NodeJS.ErrnoException).code;
      io.stderr.write(`[debug] cause: ${redact(level.stack ?? level.message)}${typeof code === 'string' ? ` (${code})` : ''}\n`);
    }
    if (torusError === error) io.stderr.write(`[debug] ${redact(torusError.stack ?? '')}\n`);
  }
  return exitCodeFor(torusError);
}
