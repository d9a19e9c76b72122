// Removes the compiled main process, scripts and preload before they are built again: a file
// renamed or deleted in the sources must not linger in dist/ (and be packed into the app, or
// make a test pass only on a machine that once built the old layout).
import { rmSync } from 'node:fs';

for (const dir of ['dist/main', 'dist/scripts', 'dist/preload', 'dist/test']) rmSync(dir, { recursive: true, force: true });
