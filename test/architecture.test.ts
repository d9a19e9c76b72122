import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The layering the whole design relies on, checked on every import of every source file:
 * imports flow one way (renderer → preload contract; Electron shell → IPC → use cases →
 * infra → domain), the core runs under plain Node without the CLI, and the CLI runs without
 * Electron.
 */
const root = fileURLToPath(new URL('..', import.meta.url));

type Layer = 'domain' | 'core-base' | 'infra' | 'use-cases' | 'cli' | 'ipc' | 'shell' | 'preload' | 'renderer';

/** Which layers each layer may import from (itself included). */
const ALLOWED: Record<Layer, Layer[]> = {
  domain: ['domain', 'core-base'],
  'core-base': ['core-base', 'domain'],
  infra: ['infra', 'domain', 'core-base'],
  'use-cases': ['use-cases', 'infra', 'domain', 'core-base'],
  cli: ['cli', 'use-cases', 'infra', 'domain', 'core-base'],
  ipc: ['ipc', 'use-cases', 'infra', 'domain', 'core-base', 'preload'],
  shell: ['shell', 'ipc', 'use-cases', 'infra', 'domain', 'core-base', 'preload'],
  preload: ['preload', 'domain'],
  renderer: ['renderer', 'preload'],
};

/** Packages a layer must never load (the runtime it must not depend on). */
const FORBIDDEN_PACKAGES: Partial<Record<Layer, RegExp>> = {
  // Pure computation (node:crypto for hashes, node:path for path rules) is fine; I/O is not.
  domain: /^(electron|commander|electron-store|svelte|keytar|node:(fs|child_process|net|http|https|dns|dgram))(\/|$)/,
  'core-base': /^(electron|commander|electron-store|svelte)/,
  infra: /^(electron|commander|electron-store|svelte)/,
  'use-cases': /^(electron|commander|electron-store|svelte)/,
  cli: /^(electron|electron-store|svelte)(\/|$)/,
  renderer: /^(electron|node:|keytar|electron-store)/,
};

function layerOf(path: string): Layer | null {
  const rel = relative(root, path).split('\\').join('/');
  if (rel.startsWith('main/core/domain/')) return 'domain';
  if (rel.startsWith('main/core/infra/')) return 'infra';
  if (rel.startsWith('main/core/use-cases/')) return 'use-cases';
  if (/^main\/core\/[^/]+$/.test(rel)) return 'core-base';
  if (rel.startsWith('main/cli/')) return 'cli';
  if (rel.startsWith('main/ipc/')) return 'ipc';
  if (/^main\/[^/]+$/.test(rel)) return 'shell';
  if (rel.startsWith('preload/')) return 'preload';
  if (rel.startsWith('renderer/')) return 'renderer';
  return null;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mjs|cjs|svelte)$/.test(name) ? [path] : [];
  });
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

export function importsOf(source: string): string[] {
  return [...source.matchAll(SPECIFIER)].map((m) => m[1]!);
}

interface Violation {
  file: string;
  imports: string;
  why: string;
}

function violations(files: string[]): Violation[] {
  const found: Violation[] = [];
  for (const file of files) {
    const layer = layerOf(file);
    if (!layer) continue;
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      const rel = relative(root, file);
      if (specifier.startsWith('.')) {
        const target = layerOf(resolve(dirname(file), specifier));
        if (target && !ALLOWED[layer].includes(target)) found.push({ file: rel, imports: specifier, why: `${layer} may not import ${target}` });
      } else if (FORBIDDEN_PACKAGES[layer]?.test(specifier)) {
        found.push({ file: rel, imports: specifier, why: `${layer} may not load ${specifier}` });
      }
    }
  }
  return found;
}

const allFiles = ['main', 'preload', 'renderer'].flatMap((dir) => sourceFiles(join(root, dir)));

describe('architecture', () => {
  it('every import in main/, preload/ and renderer/ flows the allowed way', () => {
    expect(allFiles.length).toBeGreaterThan(80);
    for (const layer of Object.keys(ALLOWED))
      expect(
        allFiles.some((f) => layerOf(f) === layer),
        layer,
      ).toBe(true);
    expect(violations(allFiles)).toEqual([]);
  });

  it('the preload contract needs only the dependency-free domain vocabulary', () => {
    const outside = importsOf(readFileSync(join(root, 'preload', 'contract.ts'), 'utf8')).filter((s) => s.startsWith('../'));
    expect(outside).toEqual(['../main/core/domain/vocabulary.js']);
  });

  it('the rules can fail: an electron import in the core, the CLI in a use case, main in the renderer', () => {
    const file = (path: string) => join(root, path);
    const check = (path: string, source: string) => {
      const layer = layerOf(file(path))!;
      return importsOf(source).flatMap((specifier) => {
        if (specifier.startsWith('.')) {
          const target = layerOf(resolve(dirname(file(path)), specifier));
          return target && !ALLOWED[layer].includes(target) ? [target] : [];
        }
        return FORBIDDEN_PACKAGES[layer]?.test(specifier) ? [specifier] : [];
      });
    };
    expect(check('main/core/use-cases/x.ts', "import { app } from 'electron';")).toEqual(['electron']);
    expect(check('main/core/infra/x.ts', "import type { Tray } from 'electron/main';")).toEqual(['electron/main']);
    expect(check('main/core/use-cases/x.ts', "import { run } from '../../cli/program.js';")).toEqual(['cli']);
    expect(check('main/core/domain/x.ts', "import { Vault } from '../infra/keychain.js';")).toEqual(['infra']);
    expect(check('main/core/domain/x.ts', "import { readFileSync } from 'node:fs';")).toEqual(['node:fs']);
    expect(check('main/cli/x.ts', "const { clipboard } = require('electron')")).toEqual(['electron']);
    expect(check('main/cli/x.ts', "import { x } from '../ipc/app-view.js';")).toEqual(['ipc']);
    expect(check('renderer/src/x.ts', "import { refresh } from '../../main/core/use-cases/tokens.js';")).toEqual(['use-cases']);
    expect(check('renderer/src/x.ts', "import { readFileSync } from 'node:fs';")).toEqual(['node:fs']);
    expect(check('main/core/use-cases/x.ts', "import { z } from 'zod';\nimport { refresh } from './tokens.js';")).toEqual([]);
  });
});
