import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const PRODUCT_NAME = 'Torus Token';

/**
 * The folder Electron uses as `userData` for our product name, so that the CLI and the app
 * share one settings file. TORUS_TOKEN_CONFIG_DIR overrides it (tests, portable setups).
 */
export function configDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const override = env.TORUS_TOKEN_CONFIG_DIR;
  // Resolved here: a relative folder would depend on where the process was started, and
  // Electron's app.setPath throws on one.
  if (override && override.trim().length > 0) return resolve(override.trim());
  // An empty HOME or XDG_CONFIG_HOME counts as unset, as the XDG spec says.
  const home = env.HOME || homedir();
  switch (platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', PRODUCT_NAME);
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
    default:
      return join(env.XDG_CONFIG_HOME || join(home, '.config'), PRODUCT_NAME);
  }
}

export const SETTINGS_FILE_NAME = 'config';
