// What the panel's compare view shows: two runs of one test side by side, as the extension
// computes them with engine/compare (the numbers of `atm compare`, percentiles from the two HDR
// histograms). Declared here, DOM- and Node-free, so the extension and the panel share it; the
// validator below is how the panel checks it at runtime.
import type { MetricDelta, PercentileDelta } from '../engine/compare/types';
import type { ThresholdResult } from '../engine/format/result';

/** One metric of the two runs: engine/compare's own type. */
export type CompareMetric = MetricDelta;

/** Latency at one percentile in both runs, from their histograms. */
export type ComparePercentile = PercentileDelta;

/** A point of the latency-by-percentile curve: x = -log10(1 - p/100) (p50 → 0.3, p99.99 → 4). */
export interface CurvePoint {
  x: number;
  ms: number;
}

/** The part of a timeline point the overlaid charts draw. */
export interface CompareTimelinePoint {
  t: number;
  rps: number;
  p95: number;
}

export interface CompareSide {
  runId: string;
  /** How the panel names this run: "baseline", or the run's start time. */
  label: string;
  started_at: string;
  status: 'completed' | 'cancelled' | 'failed';
  passed: boolean;
  /** Empty when the run recorded no histogram. */
  curve: CurvePoint[];
  timeline: CompareTimelinePoint[];
}

export interface CompareEndpoint {
  name: string;
  /** Present on one side only. */
  only_in?: 'a' | 'b';
  metrics: CompareMetric[];
}

/** A is the run compared with (the baseline), B the run the panel shows. */
export interface CompareData {
  name: string;
  file: string;
  a: CompareSide;
  b: CompareSide;
  overall: CompareMetric[];
  /** p50 … p99.99 of both runs; null when either run has no histogram. */
  distribution: ComparePercentile[] | null;
  /** Per endpoint (or step); empty for a single-request test. */
  endpoints: CompareEndpoint[];
  /** B's baseline thresholds judged with A as the baseline. */
  thresholds: ThresholdResult[];
  passed: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isNumOrNull = (x: unknown): boolean => x === null || isNum(x);
const isArrayOf = (x: unknown, item: (v: unknown) => boolean): boolean => Array.isArray(x) && x.every(item);

const UNITS = new Set(['ms', 'req/s', 'fraction', 'count', 'bytes', 's']);
const BETTER = new Set(['lower', 'higher', 'neither']);
const VERDICTS = new Set(['better', 'worse', 'same']);

export function isCompareMetric(x: unknown): x is CompareMetric {
  return (
    isObj(x) &&
    isStr(x.metric) &&
    isStr(x.unit) &&
    UNITS.has(x.unit) &&
    isNumOrNull(x.a) &&
    isNumOrNull(x.b) &&
    isNumOrNull(x.change) &&
    isNumOrNull(x.change_pct) &&
    isStr(x.better) &&
    BETTER.has(x.better) &&
    (x.verdict === null || (isStr(x.verdict) && VERDICTS.has(x.verdict)))
  );
}

function isPercentile(x: unknown): boolean {
  return isObj(x) && isNum(x.percentile) && isNumOrNull(x.a_ms) && isNumOrNull(x.b_ms) && isNumOrNull(x.change_ms) && isNumOrNull(x.change_pct);
}

function isSide(x: unknown): boolean {
  return (
    isObj(x) &&
    isStr(x.runId) &&
    isStr(x.label) &&
    isStr(x.started_at) &&
    (x.status === 'completed' || x.status === 'cancelled' || x.status === 'failed') &&
    typeof x.passed === 'boolean' &&
    isArrayOf(x.curve, (p) => isObj(p) && isNum(p.x) && isNum(p.ms)) &&
    isArrayOf(x.timeline, (p) => isObj(p) && isNum(p.t) && isNum(p.rps) && isNum(p.p95))
  );
}

function isEndpoint(x: unknown): boolean {
  return isObj(x) && isStr(x.name) && (x.only_in === undefined || x.only_in === 'a' || x.only_in === 'b') && isArrayOf(x.metrics, isCompareMetric);
}

function isJudged(x: unknown): boolean {
  return (
    isObj(x) &&
    isStr(x.expression) &&
    (x.endpoint === null || isStr(x.endpoint)) &&
    isNumOrNull(x.actual) &&
    typeof x.passed === 'boolean' &&
    (x.baseline === undefined || isNumOrNull(x.baseline)) &&
    (x.no_baseline === undefined || typeof x.no_baseline === 'boolean')
  );
}

export function isCompareData(x: unknown): x is CompareData {
  return (
    isObj(x) &&
    isStr(x.name) &&
    isStr(x.file) &&
    isSide(x.a) &&
    isSide(x.b) &&
    isArrayOf(x.overall, isCompareMetric) &&
    (x.distribution === null || isArrayOf(x.distribution, isPercentile)) &&
    isArrayOf(x.endpoints, isEndpoint) &&
    isArrayOf(x.thresholds, isJudged) &&
    typeof x.passed === 'boolean'
  );
}
