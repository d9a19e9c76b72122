import type { BuildResult } from 'esbuild';

type Built = BuildResult<{ metafile: true }>;
export declare const NPM_CLI_DIR: string;
export declare const SEA_BUNDLE: string;
export declare const FULL_CLI_FILE: string;
/** The npm CLI: the entry (fast path) and the full CLI it requires when needed. */
export declare function buildNpmCli(options?: { outdir?: string }): Promise<{ entry: Built; full: Built }>;
export declare function buildSeaBundle(): Promise<Built>;
