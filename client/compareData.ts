// The panel's compare view from two results, through engine/compare: the same comparison as
// `atm compare A B` (metric deltas, percentiles from the two HDR histograms, B's baseline
// thresholds judged against A), plus each run's latency-by-percentile curve and timeline for the
// overlaid charts. No 'vscode' here, so it is tested in node.
import { compareRuns, percentileCurve } from '../engine/compare';
import type { RunResult } from '../engine/format/result';
import type { CompareData, CompareMetric, CompareSide } from '../webview/compareData';

/** The per-endpoint metrics the panel's table shows (the whole list is in `atm compare --json`). */
const ENDPOINT_METRICS = new Set(['requests_per_second', 'error_rate', 'latency_ms.p50', 'latency_ms.p95', 'latency_ms.p99']);

/** Thrown when a run's stored histogram cannot be read: the message names the run. */
export class CompareError extends Error {}

function curveOf(result: RunResult, label: string): CompareSide['curve'] {
  if (typeof result.histogram !== 'string' || result.histogram === '') return [];
  try {
    return percentileCurve(result.histogram).map((p) => ({ x: p.x, ms: p.ms }));
  } catch (err) {
    throw new CompareError(`the latency histogram of ${label} (run ${result.id}) is corrupt: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function side(result: RunResult, label: string): CompareSide {
  return {
    runId: result.id,
    label,
    started_at: result.started_at,
    status: result.status,
    passed: result.passed,
    curve: curveOf(result, label),
    timeline: result.timeline.map((p) => ({ t: p.t, rps: p.rps, p95: p.p95 })),
  };
}

/**
 * B (the run the panel shows) against A (the run picked to compare with). Labels name the runs
 * in the view ("baseline", a start time). Throws CompareError for a run whose histogram is corrupt.
 */
export function buildCompareData(a: RunResult, b: RunResult, labels: { a: string; b: string }): CompareData {
  const sideA = side(a, labels.a);
  const sideB = side(b, labels.b);
  let comparison;
  try {
    comparison = compareRuns(a, b);
  } catch (err) {
    throw new CompareError(`cannot compare ${labels.b} with ${labels.a}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const metrics = (list: CompareMetric[]): CompareMetric[] => list.map((m) => ({ ...m }));
  return {
    name: b.name,
    file: b.file,
    a: sideA,
    b: sideB,
    overall: metrics(comparison.overall.metrics),
    distribution: comparison.overall.distribution,
    endpoints: comparison.endpoints.map((e) => ({
      name: e.endpoint ?? '',
      ...(e.only_in !== undefined ? { only_in: e.only_in } : {}),
      metrics: metrics(e.metrics.filter((m) => ENDPOINT_METRICS.has(m.metric))),
    })),
    thresholds: comparison.thresholds,
    passed: comparison.passed,
  };
}
