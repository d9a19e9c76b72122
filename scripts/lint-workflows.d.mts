export interface WorkflowProblem {
  line: number;
  column: number;
  kind: string;
  message: string;
}
export declare const WORKFLOWS_DIR: string;
export declare function lintWorkflow(text: string, path?: string): Promise<WorkflowProblem[]>;
export declare function workflowFiles(dir?: string): string[];
