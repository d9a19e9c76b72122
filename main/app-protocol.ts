/**
 * The popover's own origin: `torus-token://popover/`, a privileged custom scheme served by
 * `protocol.handle` from dist/renderer, instead of `file://`.
 *
 * Why: a `file://` page shares its origin with every other local file, and Electron grants
 * `file://` extra powers (the `grantFileProtocolExtraPrivileges` fuse, switched off in
 * electron-builder.yml). A standard, secure scheme of our own is one origin that holds only
 * our bundle, and its responses carry our Content-Security-Policy header.
 *
 * The handler serves files under the renderer folder only (no `..`, no encoded escapes, no
 * backslashes, no source maps), GET and HEAD only, and refuses requests that another origin
 * started (a page in the sign-in window cannot read our files; the scheme is registered on the
 * default session only, which the sign-in partitions do not use anyway).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CustomScheme, Protocol } from 'electron';

export const APP_SCHEME = 'torus-token';
export const APP_HOST = 'popover';
/** Chromium's origin for the scheme (a standard scheme: scheme://host). */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * standard: relative URLs and a real origin; secure: a secure context, like https; supportFetchAPI:
 * module scripts (Vite's bundle) are fetched with the Fetch machinery; codeCache: faster starts.
 * Not corsEnabled (no other origin may read it), not bypassCSP, no service workers.
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true, corsEnabled: false, bypassCSP: false, allowServiceWorkers: false },
};

/** Must run before the app is ready (Electron throws after). */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
}

/** Is this URL our popover page (any hash or query)? */
export function isAppPageUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.pathname === '/index.html';
  } catch {
    return false;
  }
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export interface AppHandlerOptions {
  /** The folder served at the scheme's root (dist/renderer). */
  root: string;
  log?: (line: string) => void;
  readFile?: (file: string) => Promise<Uint8Array>;
}

/** The file a request maps to, or null when it must not be served. Exported for tests. */
export function resolveAppFile(root: string, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  // A backslash is a separator on Windows, and NUL ends a C string: neither belongs in our URLs.
  if (pathname.includes('\\') || pathname.includes('\0')) return null;
  // The URL parser already resolved literal dot segments; any left came encoded (%2f..): refused.
  if (pathname.split('/').some((part) => part === '..' || part === '.')) return null;
  const relative = path.posix.normalize(pathname).replace(/^\/+/, '') || 'index.html';
  if (relative.split('/').some((part) => part.startsWith('.'))) return null;
  if (relative.endsWith('.map')) return null;
  const file = path.resolve(root, ...relative.split('/'));
  const inside = path.relative(path.resolve(root), file);
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) return null;
  return file;
}

const plain = (status: number): Response => new Response(null, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });

export function createAppRequestHandler(options: AppHandlerOptions): (request: Request) => Promise<Response> {
  const read = options.readFile ?? ((file: string) => readFile(file));
  const log = options.log ?? (() => undefined);
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405);
    // Electron sets initiatorOrigin for requests a page made (absent for loads the browser starts).
    const initiator = (request as Request & { initiatorOrigin?: string | null }).initiatorOrigin;
    if (initiator !== undefined && initiator !== APP_ORIGIN) {
      log('app scheme: refused a request from another origin');
      return plain(403);
    }
    const file = resolveAppFile(options.root, request.url);
    const mime = file ? MIME[path.extname(file).toLowerCase()] : undefined;
    if (!file || !mime) return plain(404);
    let body: Uint8Array;
    try {
      body = await read(file);
    } catch {
      return plain(404);
    }
    const headers: Record<string, string> = { 'Content-Type': mime, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' };
    // The popover's policy, main/security.ts RENDERER_CSP: repeated as a literal (a test keeps
    // them equal) so that the security scan can read and evaluate it.
    if (mime.startsWith('text/html'))
      headers['Content-Security-Policy'] =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers });
  };
}

export function handleAppScheme(protocol: Pick<Protocol, 'handle'>, options: AppHandlerOptions): void {
  protocol.handle(APP_SCHEME, createAppRequestHandler(options));
}
