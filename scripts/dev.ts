/**
 * `npm run dev`: the popover with live reload. Starts Vite's dev server for the renderer and
 * launches Electron pointed at it (TORUS_TOKEN_DEV_SERVER); saving a .svelte file updates
 * the popover in place. Main-process changes need a restart (Ctrl-C, run again).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const server = await createServer({ configFile: `${repoRoot}/vite.config.ts`, server: { host: '127.0.0.1', port: 5173, strictPort: false } });
await server.listen();
const url = server.resolvedUrls?.local[0] ?? 'http://127.0.0.1:5173/';
console.log(`Renderer dev server: ${url}`);

const electronPath = createRequire(import.meta.url)('electron') as unknown as string;
const app = spawn(electronPath, [repoRoot], { stdio: 'inherit', env: { ...process.env, TORUS_TOKEN_DEV_SERVER: url } });
app.on('exit', (code) => {
  void server.close();
  process.exitCode = code ?? 0;
});
process.on('SIGINT', () => app.kill());
