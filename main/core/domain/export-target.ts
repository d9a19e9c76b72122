import { isAbsolute } from 'node:path';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TorusError } from '../errors.js';
import { checkDisplayText } from './text.js';

/** `~` and `~/…` as the user's home folder (as a shell would). */
export function expandHome(path: string, home: string = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/') || path.startsWith('~\\')) return join(home, path.slice(2));
  return path;
}

/** A token file path as typed: absolute or under ~ (a relative one would land wherever the app was started), one honest line. */
export function checkExportFilePath(raw: string | null | undefined): string | null {
  const path = raw?.trim() ?? '';
  if (path === '') return null;
  checkDisplayText(path, 'The token file path');
  if (path.length > 1024) throw new TorusError('invalid-input', 'The token file path is too long.');
  if (!isAbsolute(expandHome(path))) throw new TorusError('invalid-input', 'The token file path must be a full path (for example ~/torus/token.txt).');
  return path;
}

/** A hook command as typed: one line (shown verbatim when it is approved), bounded. */
export function checkHookCommand(raw: string | null | undefined): string | null {
  const command = raw?.trim() ?? '';
  if (command === '') return null;
  checkDisplayText(command, 'The hook command');
  if (command.length > 2048) throw new TorusError('invalid-input', 'The hook command is too long.');
  return command;
}
