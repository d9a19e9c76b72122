import { watch } from 'node:fs';

/**
 * Resolves after `ms`, or sooner when something in `dir` changes (an event-driven watch: the
 * app and the CLI write the settings there after every refresh). A folder that cannot be
 * watched (not created yet) just waits the full time.
 */
export function waitForChange(dir: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    let watcher: ReturnType<typeof watch> | undefined;
    const done = () => {
      clearTimeout(timer);
      watcher?.close();
      resolve();
    };
    const timer = setTimeout(done, ms);
    try {
      watcher = watch(dir, { persistent: false }, done);
      watcher.on('error', done);
    } catch {
      watcher = undefined;
    }
  });
}
