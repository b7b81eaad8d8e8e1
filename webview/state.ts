// The panel's state and how each message changes it. DOM-free: the view renders whatever this
// produces, and the same object is what getState/setState persist across hide and reload.
import type {
  CheckResult,
  EndpointMetrics,
  IterationCounts,
  LatencySummary,
  Metrics,
  ProgressUpdate,
  RunResult,
  SampledRequest,
  ThresholdResult,
  TimelinePoint,
} from '../engine/format/result';
import type { CompareData, ExtensionMessage, RunInfo } from './protocol';

export type Phase = 'idle' | 'running' | 'stopping' | 'done' | 'error';

/** What the status badge says. */
export type RunStatusLabel = 'waiting' | 'running' | 'stopping' | 'passed' | 'failed' | 'cancelled' | 'error';

export interface PanelState {
  v: 1;
  run: RunInfo | null;
  phase: Phase;
  canRerun: boolean;
  /** The newest progress update of the current run. */
  live: ProgressUpdate | null;
  /** Timeline collected from progress updates (the result's own timeline wins once it arrives). */
  timeline: TimelinePoint[];
  /** Samples as they arrive, newest last. */
  samples: SampledRequest[];
  result: RunResult | null;
  errorMessage: string | null;
  /** The shown run's standing as a baseline, once the extension has said (null: not known, or not a stored run). */
  baseline: BaselineState | null;
  /** While set, the panel shows the shown run compared with another one instead of the run alone. */
  compare: CompareData | null;
}

export interface BaselineState {
  runId: string;
  pinned: boolean;
  canPin: boolean;
}

/** Bounds on what a long run accumulates in memory and in the persisted state. */
export const MAX_TIMELINE_POINTS = 7200;
export const MAX_LIVE_SAMPLES = 500;
/** Bodies longer than this are cut for display (the engine usually keeps far less). */
export const MAX_BODY_DISPLAY_CHARS = 256 * 1024;

export function initialState(): PanelState {
  return {
    v: 1,
    run: null,
    phase: 'idle',
    canRerun: false,
    live: null,
    timeline: [],
    samples: [],
    result: null,
    errorMessage: null,
    baseline: null,
    compare: null,
  };
}

/** A persisted state from an older or foreign panel is ignored rather than trusted. */
export function isPanelState(x: unknown): x is PanelState {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Partial<PanelState>;
  return (
    s.v === 1 &&
    typeof s.phase === 'string' &&
    ['idle', 'running', 'stopping', 'done', 'error'].includes(s.phase) &&
    Array.isArray(s.timeline) &&
    Array.isArray(s.samples) &&
    typeof s.canRerun === 'boolean'
  );
}

/** A persisted state, with the fields added since it was saved at their starting values. */
export function upgradeState(s: PanelState): PanelState {
  return { ...s, baseline: s.baseline ?? null, compare: s.compare ?? null };
}

/** Back from the compare view to the run alone. */
export function closeCompare(state: PanelState): PanelState {
  return state.compare === null ? state : { ...state, compare: null };
}

function runFromUpdate(u: ProgressUpdate): RunInfo {
  return {
    runId: u.runId,
    name: u.name,
    file: '',
    model: u.model,
    target_rps: u.target_rps,
    total_requests: null,
    duration_seconds: null,
    started_at: new Date(Date.now() - u.elapsed_seconds * 1000).toISOString(),
  };
}

function runFromResult(r: RunResult): RunInfo {
  const spec = r.spec;
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    runId: r.id,
    name: r.name,
    file: r.file,
    model: r.model,
    target_rps: r.target_rps,
    total_requests: num(spec.total_requests),
    duration_seconds: num(spec.duration_seconds),
    started_at: r.started_at,
  };
}

function appendPoint(timeline: TimelinePoint[], point: TimelinePoint): TimelinePoint[] {
  const last = timeline[timeline.length - 1];
  let next: TimelinePoint[];
  if (last !== undefined && point.t <= last.t) {
    // A repeated second replaces the earlier report of it; an older one is stale.
    if (point.t < last.t) return timeline;
    next = timeline.slice(0, -1);
    next.push(point);
  } else {
    next = timeline.slice();
    next.push(point);
  }
  return next.length > MAX_TIMELINE_POINTS ? next.slice(next.length - MAX_TIMELINE_POINTS) : next;
}

function freshRun(state: PanelState, run: RunInfo): PanelState {
  return {
    ...initialState(),
    canRerun: state.canRerun,
    run,
    phase: 'running',
  };
}

function isCurrent(state: PanelState, runId: string | null): boolean {
  return state.run !== null && runId === state.run.runId;
}

/** The next state after `msg`. Returns the same object when nothing changed. */
export function reduce(state: PanelState, msg: ExtensionMessage): PanelState {
  switch (msg.type) {
    case 'init': {
      if (msg.result !== null) {
        return {
          ...initialState(),
          canRerun: msg.canRerun,
          run: msg.run ?? runFromResult(msg.result),
          phase: 'done',
          result: msg.result,
          samples: isCurrent(state, msg.result.id) ? state.samples : [],
          baseline: isCurrent(state, msg.result.id) ? state.baseline : null,
        };
      }
      if (msg.run !== null && msg.running) {
        // The panel came back while its run goes on: keep what it had collected.
        if (isCurrent(state, msg.run.runId)) {
          return { ...state, run: msg.run, canRerun: msg.canRerun, phase: state.phase === 'stopping' ? 'stopping' : 'running' };
        }
        return { ...freshRun(state, msg.run), canRerun: msg.canRerun };
      }
      if ((state.phase === 'running' || state.phase === 'stopping') && !msg.running) {
        // The run this panel showed is gone (the window reloaded and took the engine with it).
        return {
          ...state,
          canRerun: msg.canRerun,
          phase: 'error',
          errorMessage: 'The run ended while the panel was away; its result was not received.',
        };
      }
      return state.canRerun === msg.canRerun ? state : { ...state, canRerun: msg.canRerun };
    }
    case 'runStarted':
      // A run the extension started from a spec can be started again from here.
      return { ...freshRun(state, msg.run), canRerun: true };
    case 'progress': {
      const u = msg.update;
      if (!isCurrent(state, u.runId)) {
        // Progress for a run the panel was not told about: adopt it only when nothing else is live.
        if (state.phase === 'running' || state.phase === 'stopping') return state;
        const next = freshRun(state, runFromUpdate(u));
        return { ...next, live: u, timeline: appendPoint([], u.point) };
      }
      if (state.phase !== 'running' && state.phase !== 'stopping') return state;
      const newest = state.live?.elapsed_seconds ?? -Infinity;
      // An update older than the one shown arrived late: it would move the numbers backwards.
      if (u.elapsed_seconds < newest) return state;
      return { ...state, live: u, timeline: appendPoint(state.timeline, u.point) };
    }
    case 'sample': {
      if (!isCurrent(state, msg.runId)) return state;
      const samples = state.samples.length >= MAX_LIVE_SAMPLES ? state.samples.slice(1) : state.samples.slice();
      samples.push(msg.sample);
      return { ...state, samples };
    }
    case 'result': {
      const r = msg.result;
      const run = isCurrent(state, r.id) && state.run !== null ? state.run : runFromResult(r);
      return {
        ...state,
        run: { ...run, name: r.name, file: r.file || run.file },
        phase: 'done',
        result: r,
        errorMessage: null,
        samples: r.sampled_requests.length > 0 || !isCurrent(state, r.id) ? [] : state.samples,
        baseline: isCurrent(state, r.id) ? state.baseline : null,
        compare: null,
      };
    }
    case 'error': {
      if (msg.runId !== null && state.run !== null && !isCurrent(state, msg.runId)) return state;
      // The run's result is already on screen: it says more than a late error would.
      if (msg.runId !== null && state.phase === 'done') return state;
      const live = msg.lastUpdate ?? state.live;
      const timeline = msg.lastUpdate ? appendPoint(state.timeline, msg.lastUpdate.point) : state.timeline;
      return { ...state, phase: 'error', errorMessage: msg.message, live, timeline };
    }
    case 'stopping':
      if (!isCurrent(state, msg.runId) || state.phase !== 'running') return state;
      return { ...state, phase: 'stopping' };
    case 'baselineState': {
      if (!isCurrent(state, msg.runId)) return state;
      const b = state.baseline;
      if (b !== null && b.runId === msg.runId && b.pinned === msg.pinned && b.canPin === msg.canPin) return state;
      return { ...state, baseline: { runId: msg.runId, pinned: msg.pinned, canPin: msg.canPin } };
    }
    case 'compare':
      // Only for the finished run on screen: a comparison that arrives after another run started is stale.
      if (state.phase !== 'done' || state.result === null || state.result.id !== msg.data.b.runId) return state;
      return { ...state, compare: msg.data };
    default: {
      const unknown: never = msg;
      void unknown;
      return state;
    }
  }
}

/** The numbers on screen: the result's once it exists, else the newest progress. */
export interface ViewData {
  status: RunStatusLabel;
  summary: Metrics | null;
  endpoints: EndpointMetrics[];
  thresholds: ThresholdResult[];
  timeline: TimelinePoint[];
  samples: SampledRequest[];
  elapsedSeconds: number | null;
  /** 0..1 or null. */
  progress: number | null;
  /** Current-second throughput while running. */
  currentRps: number | null;
  /** Every check with its counts (endpoints, steps or the single request); empty when none. */
  checks: CheckResult[];
  /** Flows only: null for a run of plain requests. */
  iterations: IterationCounts | null;
  iterationDuration: LatencySummary | null;
  skippedSteps: number | null;
}

export function statusOf(state: PanelState): RunStatusLabel {
  switch (state.phase) {
    case 'idle':
      return 'waiting';
    case 'running':
      return 'running';
    case 'stopping':
      return 'stopping';
    case 'error':
      return 'error';
    case 'done': {
      const r = state.result;
      if (r === null) return 'error';
      if (r.status === 'failed') return 'error';
      if (r.status === 'cancelled') return 'cancelled';
      return r.passed ? 'passed' : 'failed';
    }
  }
}

// One shared empty list, so that "changed since the last render" is an identity test.
const NO_CHECKS: CheckResult[] = [];

export function viewData(state: PanelState): ViewData {
  const r = state.result;
  const live = state.live;
  return {
    status: statusOf(state),
    summary: r?.metrics ?? live?.summary ?? null,
    endpoints: r?.endpoint_metrics ?? live?.endpoints ?? [],
    thresholds: r?.thresholds ?? live?.thresholds ?? [],
    timeline: r !== null && r.timeline.length > 0 ? r.timeline : state.timeline,
    samples: r !== null && r.sampled_requests.length > 0 ? r.sampled_requests : state.samples,
    elapsedSeconds: r?.metrics.duration_seconds ?? live?.elapsed_seconds ?? null,
    progress: r !== null ? (r.status === 'completed' ? 1 : null) : (live?.progress ?? null),
    currentRps: r === null ? (live?.point.rps ?? null) : null,
    checks: r?.checks ?? (r === null ? live?.checks : undefined) ?? NO_CHECKS,
    iterations: r !== null ? (r.iterations ?? null) : (live?.iterations ?? null),
    iterationDuration: r !== null ? (r.iteration_duration_ms ?? null) : (live?.iteration_duration_ms ?? null),
    skippedSteps: r !== null ? (r.skipped_steps ?? null) : (live?.skipped_steps ?? null),
  };
}

/** A line needs two points: with fewer, the charts give way to a note. */
export const MIN_CHART_POINTS = 2;

/**
 * What shows in place of the charts while the timeline (one point per second) has too few points
 * to draw a line: a live run's first seconds, or a run that was over in under two seconds (the
 * quickstart's 300 requests take a fraction of one). Null when the charts show, or before any run.
 */
export function chartsNote(state: PanelState, data: ViewData): string | null {
  if (data.timeline.length >= MIN_CHART_POINTS || state.phase === 'idle') return null;
  if (state.phase === 'running' || state.phase === 'stopping') {
    return 'Charts appear once the run has 2 seconds of data (one point per second); the numbers above are live.';
  }
  const took = data.elapsedSeconds;
  if (took !== null && took >= MIN_CHART_POINTS) {
    return 'Too few timeline points to chart; the totals above cover the whole run.';
  }
  const length = took === null ? 'This run lasted under 2 s' : `This run took ${took.toFixed(2)} s`;
  return `${length}: too short for charts, which plot one point per second. The totals above cover the whole run.`;
}
