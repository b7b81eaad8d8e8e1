// The run engine: pure of IPC and processes (engine/main.ts and the CLI adapt it).
export { runPlan, DEFAULT_SAMPLE_BODY_BYTES, type RunOptions, type RunLogLevel } from './run';
export { runWithWorkers, resolveWorkerCount, type PlanSource, type WorkersOptions } from './workers';
export { classifyError, describeError } from './errors';
export { encodeHistogram, decodeHistogram, mergeHistograms, summarize, newHistogram, Recorder } from './metrics';
export { evaluate, measure } from './verdict';
export { dueOffsetMs, createPicker } from './scheduler';
