import { join } from 'node:path';
import { startThrowawayKeychain } from '../../scripts/throwaway-keychain.js';

/**
 * Vitest global setup: a private Secret Service for the whole run (see
 * scripts/throwaway-keychain.ts). Workers and spawned CLIs inherit its environment. If it
 * cannot start, the run fails: keychain tests are never skipped.
 */
export default function setup(): () => void {
  const keychain = startThrowawayKeychain('torus-token-test-');
  // Tests pass their own config dir; this default keeps any stray write inside the temp root.
  process.env.TORUS_TOKEN_CONFIG_DIR = join(keychain.root, 'config');
  if (process.platform === 'linux') process.env.TORUS_TEST_KEYCHAIN = 'gnome-keyring';
  return () => keychain.stop();
}
