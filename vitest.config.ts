import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/throwaway-keychain.ts'],
    // Forks inherit the throwaway keychain's environment from the global setup.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // A condition polled in a real browser or across processes may take more than the default
    // second on a loaded machine (CI shares its cores); waiting longer costs nothing when it holds.
    expect: { poll: { timeout: 10_000 } },
    reporters: ['default', './test/setup/plain-summary-reporter.ts'],
    // electron-store imports 'electron' itself: inlined, it gets the tests' fake Electron too.
    server: { deps: { inline: ['electron-store'] } },
  },
});
