import { spawn } from 'node:child_process';
import { TorusError } from '../core/errors.js';

/**
 * `exec`: runs COMMAND with TORUS_ACCESS_TOKEN in its environment (never in its arguments,
 * where other users could see it), forwards the usual signals, and resolves with its status.
 */
export function runWithToken(command: readonly string[], env: NodeJS.ProcessEnv, token: string): Promise<number> {
  if (command.length === 0) return Promise.reject(new TorusError('invalid-input', 'Nothing to run. Usage: torus-token exec -- COMMAND [ARGS...]'));
  return new Promise<number>((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env: { ...env, TORUS_ACCESS_TOKEN: token } });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
    for (const [signal, handler] of handlers) process.on(signal, handler);
    const cleanup = () => {
      for (const [signal, handler] of handlers) process.removeListener(signal, handler);
    };
    child.on('error', (error) => {
      cleanup();
      const code = (error as NodeJS.ErrnoException).code;
      reject(new TorusError('invalid-input', code === 'ENOENT' ? `Command not found: ${command[0]}` : `Could not run ${command[0]} (${code ?? 'error'}).`));
    });
    child.on('close', (code, signal) => {
      cleanup();
      resolve(code ?? (signal ? 128 + signalNumber(signal) : 1));
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  const map: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return map[signal] ?? 1;
}
