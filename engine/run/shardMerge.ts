// Shard results (each from `atm run --shard K/N`) → one result: checked to be parts of one run,
// then merged exactly from their raw parts, seconds aligned on the wall clock, thresholds judged
// again from the spec the shards ran.
import { randomUUID } from 'node:crypto';
import { DEFAULTS, parseThreshold } from '../format';
import type { ParsedThreshold } from '../format/plan';
import { thresholdsOfScope } from '../format/scopedThresholds';
import type { RunPart } from '../format/parts';
import type { RunResult, RunStatus } from '../format/result';
import { PartMerger, type MergeTarget } from './merge';

export class MergeError extends Error {}

function thresholdsOf(value: unknown): ParsedThreshold[] {
  if (!Array.isArray(value)) return [];
  const out: ParsedThreshold[] = [];
  for (const expr of value) {
    if (typeof expr !== 'string') continue;
    const parsed = parseThreshold(expr);
    if (parsed.ok) out.push(parsed.threshold);
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What the merge needs of the plan, from a shard's result (its spec is the resolved one, secrets redacted). */
function targetOf(result: RunResult): MergeTarget {
  const spec = result.spec;
  // A flow's steps are its endpoints.
  const isFlow = Array.isArray(spec.steps);
  const specEndpoints = isFlow ? (spec.steps as unknown[]) : Array.isArray(spec.endpoints) ? spec.endpoints : [];
  const bounded = typeof spec.duration_seconds !== 'number';
  return {
    name: result.name,
    file: result.file,
    model: result.model,
    requestsPerSecond: result.target_rps,
    totalRequests: !bounded || isFlow ? null : typeof spec.total_requests === 'number' ? spec.total_requests : DEFAULTS.total_requests,
    flow: isFlow ? { iterations: bounded ? (typeof spec.iterations === 'number' ? spec.iterations : DEFAULTS.iterations) : null } : null,
    durationSeconds: typeof spec.duration_seconds === 'number' ? spec.duration_seconds : null,
    thresholds: thresholdsOf(spec.thresholds),
    secrets: [],
    redactedSpec: spec,
    insecureTls: result.insecure_tls === true,
    endpoints: result.endpoint_metrics.map((e) => {
      const own: unknown = specEndpoints.find((s: unknown) => isRecord(s) && s.name === e.name);
      return { name: e.name, method: e.method, displayUrl: e.url, thresholds: thresholdsOf(thresholdsOfScope(spec.thresholds, e.name, isRecord(own) ? own.thresholds : undefined)) };
    }),
  };
}

const label = (r: RunResult): string => (r.shard !== undefined ? `shard ${r.shard.index}/${r.shard.count}` : `result ${r.id}`);

/** Refuses anything that is not the complete set of shards of one run. */
function check(results: readonly RunResult[]): void {
  if (results.length === 0) throw new MergeError('no shard results to merge');
  for (const r of results) {
    if (r.shard === undefined || r.shard_data === undefined) {
      throw new MergeError(`${r.name} (${r.id}) is not a shard result: run each part with \`atm run FILE --shard K/N --json OUT\``);
    }
  }
  const first = results[0];
  const spec = JSON.stringify(first.spec);
  for (const r of results.slice(1)) {
    if (r.name !== first.name) throw new MergeError(`${label(r)} is of test '${r.name}', ${label(first)} of '${first.name}': parts of different tests are not merged`);
    if (JSON.stringify(r.spec) !== spec) throw new MergeError(`${label(r)} ran a different spec from ${label(first)}: parts of different specs are not merged`);
    if (r.shard_data!.version !== first.shard_data!.version) {
      throw new MergeError(`${label(r)} was run by ATM ${r.shard_data!.version}, ${label(first)} by ${first.shard_data!.version}: parts of different versions are not merged`);
    }
    if (r.shard!.count !== first.shard!.count) throw new MergeError(`${label(r)} and ${label(first)} split the run differently`);
  }
  const count = first.shard!.count;
  const seen = new Set<number>();
  for (const r of results) {
    if (seen.has(r.shard!.index)) throw new MergeError(`shard ${r.shard!.index}/${count} is given twice`);
    seen.add(r.shard!.index);
  }
  const missing = [...Array(count).keys()].filter((k) => !seen.has(k));
  if (missing.length > 0) throw new MergeError(`missing shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${count}`).join(', ')}: a merge needs all ${count}`);
}

const STATUS_ORDER: RunStatus[] = ['completed', 'cancelled', 'failed'];

export function mergeShardResults(results: readonly RunResult[]): RunResult {
  check(results);
  const ordered = [...results].sort((a, b) => a.shard!.index - b.shard!.index);
  const parts: RunPart[] = ordered.flatMap((r) => r.shard_data!.parts);
  const merger = new PartMerger(targetOf(ordered[0]), parts.length);
  const started = parts.filter((p) => p.t0 > 0).map((p) => p.t0);
  const base = started.length > 0 ? Math.min(...started) : undefined;
  parts.forEach((part, i) => merger.add(i, part, true, base));
  const status = ordered.map((r) => r.status).reduce((worst, s) => (STATUS_ORDER.indexOf(s) > STATUS_ORDER.indexOf(worst) ? s : worst), 'completed' as RunStatus);
  const failures = ordered.filter((r) => r.status === 'failed').map((r) => `${label(r)}: ${r.error ?? 'failed'}`);
  const startedAt = new Date(Math.min(...ordered.map((r) => Date.parse(r.started_at))));
  const merged = merger.result({ id: randomUUID(), startedAt, status, failure: failures.length > 0 ? failures.join('; ') : null });
  merged.completed_at = new Date(Math.max(...ordered.map((r) => Date.parse(r.completed_at)))).toISOString();
  merged.workers = ordered.reduce((sum, r) => sum + (r.workers ?? 1), 0);
  merged.merged_from = ordered.map((r) => r.id);
  return merged;
}
