// Checks of electron-builder.yml: schema-valid for the installed electron-builder, and the
// security/platform settings the product depends on are present; and one real packaging run
// (`--linux dir`) against a stand-in Electron, whose app.asar is then inspected. Never needs the
// Electron binary.
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
// electron-builder's own asar reader (a dependency of electron-builder).
import * as asar from '@electron/asar';
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
      // The popover comes from our own scheme (main/app-protocol.ts), so file:// needs no extra powers.
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('packs only the built app, package.json and the tray icons (not the CLI)', () => {
    const files = strings(config['files'], 'files');
    const pkg = obj(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Json, 'package.json');
    const main = str(pkg['main'], 'package.json main');
    const bins = Object.values(obj(pkg['bin'], 'package.json bin')).map((b) => str(b, 'bin entry'));
    for (const f of [
      main,
      'package.json',
      'dist/preload/preload.cjs',
      'dist/renderer/index.html',
      'dist/renderer/assets/index-abc123.js',
      'dist/main/core/use-cases/tokens.js',
      'assets/tray/tray-freshTemplate@2x.png',
      'assets/tray/tray-failed.ico',
    ]) {
      expect(filesInclude(files, f), `${f} should be packed`).toBe(true);
    }
    for (const f of [
      'dist/main/main.js.map',
      'dist/renderer/assets/index-abc123.js.map',
      'dist/scripts/bench.js',
      'dist/sea/torus-token.cjs',
      // The CLI is its own download.
      ...bins,
      'dist/cli/torus-token.cjs',
      'dist/cli/torus-token-full.cjs',
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
    // The deb first: it is the recommended download (its AppArmor profile lets the sandbox start on Ubuntu 23.10+).
    expect(strings(linux['target'], 'linux.target')).toEqual(['deb', 'AppImage']);
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

  it('names the Linux app torus-token-app: the deb cannot shadow the torus-token command, and autostart follows', async () => {
    const linux = obj(config['linux'], 'linux');
    const pkg = obj(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Json, 'package.json');
    // Without it electron-builder names the executable (and the deb's /usr/bin link) after `name`.
    expect(linux['executableName']).toBe('torus-token-app');
    expect(Object.keys(obj(pkg['bin'], 'package.json bin'))).toContain('torus-token');
    expect(pkg['name']).toBe('torus-token');
    // The .desktop file, its Exec and Icon follow executableName unless overridden here.
    expect(obj((linux['desktop'] ?? { entry: {} }) as Json, 'linux.desktop')['entry'] ?? {}).not.toHaveProperty('Exec');
    const { AUTOSTART_FILE_NAME } = await import('../main/login-item.js');
    expect(AUTOSTART_FILE_NAME).toBe(`${str(linux['executableName'], 'linux.executableName')}.desktop`);
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

describe('a packaging run: electron-builder --linux dir against a stand-in Electron', () => {
  // The stand-in is a directory with an `electron` file where Electron's binary would be:
  // electron-builder copies it, renames it and adds resources/app.asar. Fuses are left out
  // (electronFuses: null): flipping them needs the real binary's sentinel.
  const out = mkdtempSync(path.join(tmpdir(), 'torus-package-'));
  let appOutDir = '';
  let asarPath = '';
  let entries = new Set<string>();
  const packageJson = obj(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Json, 'package.json');

  beforeAll(async () => {
    for (const built of ['dist/main/main.js', 'dist/preload/preload.cjs', 'dist/renderer/index.html']) {
      if (!existsSync(path.join(ROOT, built))) throw new Error(`${built} is missing: run \`npm run build\` first (npm test does)`);
    }
    const electronDist = path.join(out, 'electron-dist');
    mkdirSync(electronDist);
    writeFileSync(path.join(electronDist, 'electron'), '#!/bin/sh\necho "stand-in for Electron"\n', { mode: 0o755 });
    const electronVersion = str(
      obj(JSON.parse(readFileSync(path.join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')) as Json, 'electron')['version'],
      'version',
    );
    writeFileSync(path.join(electronDist, 'version'), electronVersion);
    const { build, Platform, Arch } = await import('electron-builder');
    await build({
      projectDir: ROOT,
      targets: Platform.LINUX.createTarget('dir', Arch.x64),
      publish: 'never',
      config: {
        ...(config as object),
        electronDist,
        electronVersion,
        electronFuses: null,
        npmRebuild: false,
        directories: { ...directories, output: path.join(out, 'release') } as never,
      },
    });
    appOutDir = path.join(out, 'release', 'linux-unpacked');
    asarPath = path.join(appOutDir, 'resources', 'app.asar');
    entries = new Set(asar.listPackage(asarPath, { isPack: false }).map((e) => e.split(path.sep).join('/')));
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  const has = (file: string) => entries.has(`/${file}`);

  it('names the executable as electron-builder.yml says (not package.json’s name, which is the CLI)', () => {
    const linux = obj(config['linux'], 'linux');
    const executable = typeof linux['executableName'] === 'string' ? linux['executableName'] : str(packageJson['name'], 'name');
    expect(existsSync(path.join(appOutDir, executable))).toBe(true);
    expect(existsSync(asarPath)).toBe(true);
  });

  it('the asar holds the main entry, the preload, the renderer and its assets, and every tray icon', () => {
    const main = str(packageJson['main'], 'main');
    expect(has('package.json')).toBe(true);
    const packed = JSON.parse(asar.extractFile(asarPath, 'package.json').toString('utf8')) as { main: string };
    expect(packed.main).toBe(main);
    expect(has(main), main).toBe(true);
    expect(has('dist/main/app-protocol.js')).toBe(true);
    expect(has('dist/preload/preload.cjs')).toBe(true);
    expect(has('dist/renderer/index.html')).toBe(true);
    const index = asar.extractFile(asarPath, 'dist/renderer/index.html').toString('utf8');
    const assets = [...index.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => `dist/renderer/${m[1]}`);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) expect(has(asset), asset).toBe(true);
    for (const key of ['fresh', 'expiring', 'refreshing', 'failed']) {
      for (const icon of [`tray-${key}Template.png`, `tray-${key}Template@2x.png`, `tray-${key}.ico`, `tray-${key}@2x.png`]) {
        expect(has(`assets/tray/${icon}`), icon).toBe(true);
      }
    }
  });

  /** package-lock.json's packages: where → name, version, and whether only development needs it. */
  const lockPackages = () =>
    Object.entries(obj(obj(JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as Json, 'package-lock.json')['packages'], 'packages'))
      .filter(([where]) => where.startsWith('node_modules/'))
      .map(([where, info]) => {
        const entry = obj(info, where);
        return {
          where,
          name: where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length),
          version: str(entry['version'], `${where} version`),
          dev: entry['dev'] === true || entry['devOptional'] === true,
          optional: entry['optional'] === true,
        };
      });
  /** The version of a package in the asar at `where`, or null. */
  const packedVersion = (where: string): string | null =>
    has(`${where}/package.json`) ? (JSON.parse(asar.extractFile(asarPath, `${where}/package.json`).toString('utf8')) as { version: string }).version : null;
  /** Where Node would find `name` from `where` (its own folder, then each parent's node_modules). */
  const resolvable = (where: string, name: string): string[] => {
    const parts = where.split('/node_modules/');
    return parts
      .map((_, i) => [...parts.slice(0, parts.length - i - 1), name].join('/node_modules/'))
      .map((p) => (p.startsWith('node_modules/') ? p : `node_modules/${p}`));
  };

  it('every production dependency is packed where Node finds it, in its locked version; keytar’s native module is unpacked', () => {
    const production = lockPackages().filter((p) => !p.dev && !p.optional);
    expect(production.length).toBeGreaterThan(10);
    for (const dep of Object.keys(obj(packageJson['dependencies'], 'dependencies'))) expect(production.map((p) => p.where)).toContain(`node_modules/${dep}`);
    for (const dep of production) {
      // electron-builder may hoist a nested package; Node then finds it in a parent's node_modules.
      const found = resolvable(dep.where, dep.name)
        .map(packedVersion)
        .find((v) => v !== null);
      expect(found, `${dep.where}@${dep.version}`).toBe(dep.version);
    }
    const native = 'node_modules/keytar/build/Release/keytar.node';
    expect(has(native)).toBe(true);
    expect(asar.statFile(asarPath, native)).toMatchObject({ unpacked: true });
    expect(existsSync(path.join(appOutDir, 'resources', 'app.asar.unpacked', native))).toBe(true);
  });

  it('no dev tooling and no source maps of our own', () => {
    const packages = lockPackages();
    const production = new Set(packages.filter((p) => !p.dev).map((p) => `${p.name}@${p.version}`));
    const devOnly = packages.filter((p) => p.dev && !production.has(`${p.name}@${p.version}`));
    for (const tool of ['electron', 'electron-builder', 'vitest', 'vite', 'typescript', 'eslint', 'playwright-core', '@doyensec/electronegativity', 'svelte']) {
      expect(devOnly.map((p) => p.where)).toContain(`node_modules/${tool}`);
      expect(has(`node_modules/${tool}/package.json`), tool).toBe(false);
    }
    const packedDev = devOnly.filter((p) => packedVersion(p.where) === p.version).map((p) => p.where);
    expect(packedDev).toEqual([]);
    const ours = [...entries].filter((e) => !e.startsWith('/node_modules/'));
    expect(ours.filter((e) => e.endsWith('.map'))).toEqual([]);
    expect(ours.filter((e) => /\.(ts|svelte)$/.test(e) && !e.endsWith('.d.ts'))).toEqual([]);
    expect(ours.filter((e) => e.startsWith('/dist/scripts') || e.startsWith('/dist/test') || e.startsWith('/test') || e.startsWith('/scripts'))).toEqual([]);
  });

  it('the CLI is not in the app (it is its own download)', () => {
    const ours = [...entries].filter((e) => !e.startsWith('/node_modules/'));
    expect(ours.filter((e) => e.startsWith('/bin') || e.startsWith('/dist/cli') || e.startsWith('/dist/sea'))).toEqual([]);
    expect(has('dist/main/main.js')).toBe(true);
  });
});
