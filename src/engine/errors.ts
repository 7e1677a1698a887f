/** Where a problem is, in the user's terms. Only the CLI turns this into text (see src/cli/format-error.ts). */
export interface ErrorContext {
  file?: string;
  line?: number;
  column?: number;
  /** JSON pointer into the document, e.g. /nodes/train/matrix/fold */
  path?: string;
  /** expanded action id, e.g. preprocess[configuration=3d_fullres,case=hippocampus_001] */
  node?: string;
  /** fan-out item (a dataset case) */
  item?: string;
}

/** One problem of many collected during validation (Zod style: report them all at once). */
export interface Issue extends ErrorContext {
  code: string;
  message: string;
}

export class NnunetError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly context: ErrorContext = {},
    options?: { cause?: unknown; issues?: Issue[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.issues = options?.issues ?? [];
  }
  readonly issues: Issue[];
}

export class PipelineError extends NnunetError {}
export class StoreError extends NnunetError {}
/** Thrown by a node's run() for bad user data; the engine adds the action id. */
export class NodeError extends NnunetError {}
/** The action was aborted through its AbortSignal (Ctrl-C, watch-mode restart). */
export class AbortedError extends NnunetError {
  constructor(message = 'aborted', context: ErrorContext = {}) {
    super('ABORTED', message, context);
  }
}
