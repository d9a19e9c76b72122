import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { TorusError } from '../core/errors.js';

/** The CLI's streams, injectable so commands are testable without a terminal. */
export interface CliIo {
  stdin: Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export const processIo = (): CliIo => ({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });

/** Reads all of standard input (bounded: nothing we read is larger than a few KiB). */
export async function readAllStdin(stdin: Readable, maxBytes = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buffer.length;
    if (total > maxBytes) {
      // A usage error (exit 2), not an "unexpected" failure: nothing we read is this large.
      throw new TorusError(
        'invalid-input',
        `Standard input is too large (over ${Math.round(maxBytes / 1024)} KiB). Send only the values asked for, one per line.`,
      );
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Prompts on the terminal without echoing what is typed (stderr carries the prompt, so
 * stdout stays clean for scripts).
 */
export function promptHidden(io: CliIo, question: string): Promise<string> {
  const { stdin, stderr } = io;
  return new Promise((resolve, reject) => {
    stderr.write(question);
    let value = '';
    const raw = typeof stdin.setRawMode === 'function';
    if (raw) stdin.setRawMode!(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let finished = false;
    const done = (error?: Error) => {
      if (finished) return;
      finished = true;
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      if (raw) stdin.setRawMode!(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new PromptCancelled());
        if (ch === '\u0004') return done(value.length === 0 ? new PromptCancelled() : undefined);
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    // The terminal (or a pipe posing as one) closed before Enter: never wait forever.
    const onEnd = () => done(value.length === 0 ? new PromptCancelled() : undefined);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
  });
}

export class PromptCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'PromptCancelled';
  }
}

/** Asks one visible question on the terminal (stderr), for yes/no answers. */
export function promptLine(io: CliIo, question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: false });
    let answered = false;
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
    rl.on('close', () => {
      if (!answered) resolve('');
    });
  });
}
