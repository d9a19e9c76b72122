/** Electron entry point (package.json "main" → dist/main/main.js). */
import { app, dialog } from 'electron';
import { startApp } from './app-main.js';
import { redact } from './core/domain/redact.js';

// Crash output must not carry a secret either: log a redacted summary and keep running
// where that is safe; the core never throws with a secret in its message.
process.on('uncaughtException', (error) => {
  process.stderr.write(`[torus-token] uncaught: ${redact(error.stack ?? error.message)}\n`);
});
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`[torus-token] unhandled rejection: ${redact(reason instanceof Error ? (reason.stack ?? reason.message) : String(reason))}\n`);
});

startApp()
  .then((running) => {
    // The real-Electron smoke test (test/electron-smoke.test.ts) clicks the tray through this
    // handle; a tray has no other way to be found from outside. Never in a packaged app.
    if (running && !app.isPackaged && process.env.TORUS_TOKEN_E2E === '1') {
      (globalThis as { __torusTokenE2E?: unknown }).__torusTokenE2E = { tray: running.tray.tray, popover: running.popover, state: running.state };
    }
  })
  .catch((error: unknown) => {
    const message = redact(error instanceof Error ? error.message : String(error));
    process.stderr.write(`[torus-token] could not start: ${message}\n`);
    dialog.showErrorBox('Torus Token could not start', message);
    app.exit(1);
  });
