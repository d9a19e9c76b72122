import { isAppPageUrl } from './app-protocol.js';

/**
 * Where the popover's page comes from, and the one test of "is this our page?" that the IPC
 * sender check, the navigation guard and the test bridge share. Electron-free.
 */
export type RendererLocation = { kind: 'app'; url: string; root: string } | { kind: 'url'; url: string };

/** Is this URL the renderer page at `location` (any hash or query)? */
export function isRendererPage(location: RendererLocation, url: string | undefined): boolean {
  if (location.kind === 'app') return isAppPageUrl(url);
  if (!url) return false;
  try {
    const target = new URL(url);
    const ours = new URL(location.url);
    return target.origin === ours.origin && target.pathname === ours.pathname;
  } catch {
    return false;
  }
}
