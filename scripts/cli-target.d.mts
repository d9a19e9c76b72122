export declare const CLI_OUT_DIR: string;
export declare function cliTargetName(platform?: NodeJS.Platform, arch?: string): string;
export declare function cliExecutablePath(platform?: NodeJS.Platform, arch?: string): string;
