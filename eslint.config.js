import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-output/**', '.stryker-tmp*/**', 'renderer/**/*.svelte'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // Scripts and tests print their results; the CLI writes to its injected streams instead.
    files: ['scripts/**', 'test/**', 'bin/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // Main talks to a renderer only through broadcast() (main/ipc-main.ts): every message is on
    // the typed contract (preload/contract.ts), none is sent by a bare channel string.
    files: ['main/**/*.ts'],
    ignores: ['main/ipc-main.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='send'][callee.object.name=/^(webContents|contents|sender)$/]",
          message: 'Send to a renderer only through broadcast() in main/ipc-main.ts.',
        },
        {
          selector: "CallExpression[callee.property.name='send'][callee.object.property.name=/^(webContents|sender)$/]",
          message: 'Send to a renderer only through broadcast() in main/ipc-main.ts.',
        },
      ],
    },
  },
  {
    // CommonJS launchers (bin/torus-token.cjs starts sooner than an ES module would).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The Electron-free core must never import electron (checked by a test as well).
    files: ['main/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'main/core must stay Electron-free.' }] }] },
  },
);
