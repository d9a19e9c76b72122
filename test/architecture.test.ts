import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The layering the whole design relies on: main/core runs under plain Node. */
const root = fileURLToPath(new URL('..', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mjs|cjs)$/.test(name) ? [path] : [];
  });
}

const IMPORTS_ELECTRON = /(from\s+['"]electron(\/[^'"]*)?['"])|(require\(\s*['"]electron['"]\s*\))|(import\(\s*['"]electron['"]\s*\))/;

describe('architecture', () => {
  it('no module under main/core imports electron', () => {
    const files = sourceFiles(join(root, 'main', 'core'));
    expect(files.length).toBeGreaterThan(15);
    const offenders = files.filter((file) => IMPORTS_ELECTRON.test(readFileSync(file, 'utf8'))).map((f) => relative(root, f));
    expect(offenders).toEqual([]);
  });

  it('the check above would catch an electron import (it can fail)', () => {
    expect(IMPORTS_ELECTRON.test("import { app } from 'electron';")).toBe(true);
    expect(IMPORTS_ELECTRON.test("const { clipboard } = require('electron')")).toBe(true);
    expect(IMPORTS_ELECTRON.test("import type { Tray } from 'electron/main';")).toBe(true);
    expect(IMPORTS_ELECTRON.test("import { z } from 'zod';")).toBe(false);
  });

  it('the renderer reaches main only through the typed contract (no electron or node imports)', () => {
    const files = sourceFiles(join(root, 'renderer')).concat(
      readdirSync(join(root, 'renderer', 'src'), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.svelte'))
        .map((f) => join(root, 'renderer', 'src', f)),
    );
    const offenders = files.filter((file) => IMPORTS_ELECTRON.test(readFileSync(file, 'utf8')) || /from\s+['"]node:/.test(readFileSync(file, 'utf8')));
    expect(offenders.map((f) => relative(root, f))).toEqual([]);
  });
});
