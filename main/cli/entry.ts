import type { CliIo } from './io.js';
import { tryFastPath } from './fast/fast-path.js';

/**
 * Every `torus-token` run starts here: the fast path answers the common bot calls (a valid token
 * to print or hand to a command); everything else loads the full CLI, lazily, so those calls
 * never parse commander, zod or the HTTP client.
 */
export async function runTorusToken(argv: readonly string[], io: CliIo): Promise<number> {
  const fast = await tryFastPath(argv, io);
  if (fast !== null) return fast;
  const { runCli } = await import('./program.js');
  return runCli([...argv], io);
}
