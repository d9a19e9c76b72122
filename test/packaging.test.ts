// Static checks of electron-builder.yml: schema-valid for the installed electron-builder, and the
// security/platform settings the product depends on are present. Never runs electron-builder and
// never needs the Electron binary.
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { Ajv } from 'ajv';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

function isObj(v: Json | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function obj(v: Json | undefined, what: string): Obj {
  if (!isObj(v)) throw new Error(`${what} must be a mapping`);
  return v;
}
function strings(v: Json | undefined, what: string): string[] {
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string')) {
    throw new Error(`${what} must be a string or a list of strings`);
  }
  return v;
}
function str(v: Json | undefined, what: string): string {
  if (typeof v !== 'string') throw new Error(`${what} must be a string`);
  return v;
}

const config = obj(parse(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as Json, 'electron-builder.yml');
const schemaPath = path.join(ROOT, 'node_modules', 'app-builder-lib', 'scheme.json');
const schema = obj(JSON.parse(readFileSync(schemaPath, 'utf8')) as Json, 'scheme.json');
const mac = obj(config['mac'], 'mac');
const nsis = obj(config['nsis'], 'nsis');
const deb = obj(config['deb'], 'deb');
const fuses = obj(config['electronFuses'], 'electronFuses');
const directories = obj(config['directories'], 'directories');
const buildResources = str(directories['buildResources'], 'directories.buildResources');

// Compiling the ~360 kB schema takes about a second: do it once for all tests.
// Ajv's strict mode stays on; the schema needs union types ("type": ["null", "string"]) and uses
// one non-standard keyword, `"typeof": "function"` (hooks that may be JS functions), which YAML
// cannot express anyway, so it is declared as a no-op annotation.
const ajv = new Ajv({ allowUnionTypes: true, allErrors: true });
ajv.addKeyword({ keyword: 'typeof', schemaType: 'string' });
const validate = ajv.compile(schema);

/** Resolve a resource path the way electron-builder does: build resources dir, then project dir. */
function resolveResource(p: string): string {
  const inResources = path.resolve(ROOT, buildResources, p);
  return existsSync(inResources) ? inResources : path.resolve(ROOT, p);
}

/** electron-builder/minimatch-style glob (subset: `**`, `*`, `?`) to an anchored RegExp. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charAt(i);
    if (c === '*' && glob.charAt(i + 1) === '*') {
      if (glob.charAt(i + 2) === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else {
      re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

/** Ordered include/exclude evaluation of a `files` list: the last matching pattern wins. */
function filesInclude(patterns: string[], file: string): boolean {
  let included = false;
  for (const p of patterns) {
    const negated = p.startsWith('!');
    const glob = negated ? p.slice(1) : p;
    // A pattern naming a directory also covers its contents, as in electron-builder.
    if (globToRegExp(glob).test(file) || globToRegExp(`${glob.replace(/\/$/, '')}/**`).test(file)) {
      included = !negated;
    }
  }
  return included;
}

describe('electron-builder.yml', () => {
  it('is valid against the installed app-builder-lib JSON schema (draft-07)', () => {
    const ok = validate(config);
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
    expect(errors, 'schema errors').toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check has teeth: unknown keys and wrong types are rejected', () => {
    expect(validate({ ...config, notAnElectronBuilderOption: true })).toBe(false);
    expect(validate({ ...config, electronFuses: { ...fuses, runAsNode: 'no' } })).toBe(false);
    // electron-builder 26: `mac.notarize` is a boolean only (the object form of 24/25 is gone).
    expect(validate({ ...config, mac: { ...mac, notarize: { teamId: 'ABCDE12345' } } })).toBe(false);
  });

  it("passes electron-builder's own config validation (schema + deprecation checks)", async () => {
    // The same function `electron-builder` runs before building; it needs no Electron binary.
    const { validateConfiguration } = await import('app-builder-lib/out/util/config/config.js');
    const logger = { isEnabled: false, add: () => undefined } as unknown as Parameters<typeof validateConfiguration>[1];
    await expect(validateConfiguration(config as unknown as Parameters<typeof validateConfiguration>[0], logger)).resolves.toBeUndefined();
  });

  it('has the app identity and output layout', () => {
    expect(config['appId']).toBe('com.torustoken.app');
    expect(config['productName']).toBe('Torus Token');
    expect(config['asar']).toBe(true);
    expect(directories['output']).toBe('release');
    expect(buildResources).toBe('assets/build');
  });

  it('sets the security fuses', () => {
    expect(fuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
    });
  });

  it('packs only the built app, the CLI bin, package.json and the tray icons', () => {
    const files = strings(config['files'], 'files');
    const pkg = obj(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Json, 'package.json');
    const main = str(pkg['main'], 'package.json main');
    const bins = Object.values(obj(pkg['bin'], 'package.json bin')).map((b) => str(b, 'bin entry'));
    for (const f of [
      main,
      ...bins,
      'package.json',
      'dist/preload/preload.cjs',
      'dist/renderer/index.html',
      'dist/renderer/assets/index-abc123.js',
      'dist/main/core/cli.js',
      'assets/tray/tray-freshTemplate@2x.png',
      'assets/tray/tray-failed.ico',
    ]) {
      expect(filesInclude(files, f), `${f} should be packed`).toBe(true);
    }
    for (const f of [
      'dist/main/main.js.map',
      'dist/renderer/assets/index-abc123.js.map',
      'dist/scripts/bench.js',
      'dist/test/packaging.test.js',
      'main/core/errors.ts',
      'test/packaging.test.ts',
      'scripts/icons.mjs',
      'assets/src/app-icon.svg',
      'assets/build/icon.png',
      'electron-builder.yml',
      'tsconfig.json',
    ]) {
      expect(filesInclude(files, f), `${f} should not be packed`).toBe(false);
    }
  });

  it('unpacks the keytar native module from the asar', () => {
    const unpack = strings(config['asarUnpack'], 'asarUnpack').map(globToRegExp);
    for (const f of ['node_modules/keytar/build/Release/keytar.node']) {
      expect(
        unpack.some((re) => re.test(f)),
        `${f} must be asarUnpacked`,
      ).toBe(true);
    }
    expect(unpack.some((re) => re.test('node_modules/keytar/lib/keytar.js'))).toBe(false);
  });

  it('is a hardened, Dock-less macOS menu-bar app that notarizes when credentials are set', () => {
    expect(strings(mac['target'], 'mac.target').sort()).toEqual(['dmg', 'zip']);
    expect(mac['category']).toBe('public.app-category.finance');
    expect(obj(mac['extendInfo'], 'mac.extendInfo')['LSUIElement']).toBe(true);
    expect(mac['hardenedRuntime']).toBe(true);
    // electron-builder 26 notarizes when APPLE_* credentials are in the environment unless
    // `notarize` is exactly false.
    expect(mac['notarize']).not.toBe(false);
  });

  it('has entitlements that allow V8 JIT and nothing broader', () => {
    for (const key of ['entitlements', 'entitlementsInherit']) {
      const file = resolveResource(str(mac[key], `mac.${key}`));
      expect(existsSync(file), file).toBe(true);
      const xml = readFileSync(file, 'utf8').replace(/<!--[\s\S]*?-->/g, '');
      expect(xml).toMatch(/<plist version="1.0">/);
      expect(xml).toMatch(/<key>com\.apple\.security\.cs\.allow-jit<\/key>\s*<true\/>/);
      expect(xml).not.toMatch(/disable-library-validation|allow-dyld-environment-variables|get-task-allow/);
    }
  });

  it('installs per user on Windows, without elevation', () => {
    expect(strings(obj(config['win'], 'win')['target'], 'win.target')).toContain('nsis');
    expect(nsis['perMachine']).toBe(false);
    expect(nsis['allowElevation']).toBe(false);
    // oneClick:false + perMachine:false would show a "for me / for all users" page instead.
    expect(nsis['oneClick']).not.toBe(false);
  });

  it('builds AppImage and deb with the keychain library as a dependency', () => {
    const linux = obj(config['linux'], 'linux');
    expect(strings(linux['target'], 'linux.target').sort()).toEqual(['AppImage', 'deb']);
    expect(['Utility', 'Finance', 'Office;Finance']).toContain(linux['category']);
    const depends = strings(deb['depends'], 'deb.depends');
    expect(depends).toContain('libsecret-1-0');
    // Setting `depends` replaces electron-builder's default list, so it must still contain it.
    const defs = obj(schema['definitions'], 'definitions');
    const defaults = strings(
      obj(obj(obj(defs['DebOptions'], 'DebOptions')['properties'], 'properties')['depends'], 'depends')['default'],
      'DebOptions.depends.default',
    );
    expect(defaults.length).toBeGreaterThan(0);
    for (const d of defaults) expect(depends, `deb.depends keeps default ${d}`).toContain(d);
  });

  it('names only files and folders that exist', () => {
    expect(statSync(path.join(ROOT, buildResources)).isDirectory()).toBe(true);

    const macIcon = resolveResource(str(mac['icon'], 'mac.icon'));
    expect(existsSync(macIcon), macIcon).toBe(true);
    const png = readFileSync(macIcon);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512); // electron-builder needs >= 512 for .icns

    const winIcon = resolveResource(str(obj(config['win'], 'win')['icon'], 'win.icon'));
    expect(existsSync(winIcon), winIcon).toBe(true);
    const ico = readFileSync(winIcon);
    expect(ico.readUInt16LE(2)).toBe(1); // icon type
    const sizes = Array.from({ length: ico.readUInt16LE(4) }, (_, i) => ico.readUInt8(6 + 16 * i) || 256);
    expect(sizes).toContain(256); // electron-builder rejects an .ico without a 256 px image

    const linuxIcons = resolveResource(str(obj(config['linux'], 'linux')['icon'], 'linux.icon'));
    expect(statSync(linuxIcons).isDirectory()).toBe(true);
    expect(readdirSync(linuxIcons).filter((f) => /^\d+x\d+\.png$/.test(f)).length).toBeGreaterThan(0);
  });
});
