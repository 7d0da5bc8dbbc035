/** Messages between the fuzz runner and its worker thread. */
import type { PipelineOutcome, Stage } from './pipeline.ts';

/** One file of a case, relative to specs/; content in base64 so invalid UTF-8 survives. */
export interface FileEdit {
  file: string;
  content: string;
}

export type WorkerRequest = { type: 'run'; id: number; edits: FileEdit[] } | { type: 'stop' };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; outcome: PipelineOutcome; cpuMs: number; wallMs: number; heapMb: number }
  | { type: 'crash'; id: number; stage: Stage; message: string; stack: string; cpuMs: number; wallMs: number; heapMb: number };
