export interface FileScore {
  path: string;
  detected: number;
  undetected: number;
  ignored: number;
  /** Percent, or null when the file has no mutant that counts. */
  score: number | null;
}
export interface Scores {
  files: FileScore[];
  overall: { detected: number; undetected: number; score: number | null };
}
export interface MutationReport {
  files: Record<string, { mutants: Array<{ status: string }> }>;
}
export declare const REPORT: string;
export declare const PARTS_DIR: string;
/** The parts a full run is split into, by name: Stryker `mutate` globs each. */
export declare const PARTS: Record<string, string[]>;
export declare function partReports(dir?: string): Array<{ part: string; path: string; report: MutationReport }>;
export declare function mergeReports(reports: MutationReport[]): MutationReport;
export declare const GOALS: { coreFile: number; overall: number };
export declare function scores(report: MutationReport): Scores;
export declare function shortfalls(result: Scores, goals?: { coreFile: number; overall: number }): string[];
export declare function printScores(result: Scores, label?: string): void;
export declare function reportShortfalls(missed: string[]): boolean;
