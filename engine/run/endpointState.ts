// What a run keeps per endpoint (or flow step): its counters and histograms, its samples, the
// request built once when nothing in it changes, and which statuses it expects.
import type { Histogram } from 'hdr-histogram-js';
import { redact } from '../format';
import type { PlanEndpoint } from '../format/plan';
import type { EndpointMetrics, Metrics } from '../format/result';
import type { PreparedRequest } from './http';
import { Stats, sumStats } from './metrics';
import { EndpointSampler } from './samples';

export interface EndpointState {
  plan: PlanEndpoint;
  stats: Stats;
  sampler: EndpointSampler;
  /** Built once when nothing in the request changes between requests. */
  prepared: PreparedRequest | null;
  /** 1 where a status is expected. */
  expected: Uint8Array;
}

export function endpointState(endpoint: PlanEndpoint, closedModel: boolean): EndpointState {
  return { plan: endpoint, stats: new Stats(closedModel), sampler: new EndpointSampler(), prepared: null, expected: expectedTable(endpoint) };
}

function expectedTable(endpoint: PlanEndpoint): Uint8Array {
  const table = new Uint8Array(1000);
  const list = endpoint.expectedStatus ?? ['2xx'];
  for (const entry of list) {
    if (typeof entry === 'number') {
      if (entry >= 0 && entry < 1000) table[entry] = 1;
      continue;
    }
    const match = /^([1-5])xx$/i.exec(entry.trim());
    if (match !== null) {
      const base = Number(match[1]) * 100;
      table.fill(1, base, base + 100);
    } else if (/^\d{3}$/.test(entry.trim())) {
      table[Number(entry.trim())] = 1;
    }
  }
  return table;
}

/** The first `limit` bytes of a kept body, for a sample. */
export function cutBody(chunks: Buffer[] | null, limit: number, truncated: boolean): { body: Buffer[] | null; truncated: boolean } {
  if (chunks === null) return { body: null, truncated };
  let size = 0;
  for (const c of chunks) size += c.length;
  if (size <= limit) return { body: chunks, truncated };
  return { body: [Buffer.concat(chunks).subarray(0, limit)], truncated: true };
}

/** Each endpoint's metrics over `durationSeconds`, and the whole run's (their exact sum). */
export function snapshot(
  states: readonly EndpointState[],
  secrets: readonly string[],
  durationSeconds: number,
): { overall: Metrics; overallLatency: Histogram; endpoints: EndpointMetrics[] } {
  const endpoints = states.map((state) => ({
    name: state.plan.name,
    method: state.plan.method,
    url: redact(state.plan.displayUrl, secrets),
    ...state.stats.toMetrics(durationSeconds),
  }));
  if (states.length === 1) {
    // One endpoint is the whole run: no need to add histograms up again.
    const { name: _name, method: _method, url: _url, ...overall } = endpoints[0];
    return { overall, overallLatency: states[0].stats.latency.histogram(), endpoints };
  }
  const total = sumStats(states.map((s) => s.stats));
  return { overall: total.toMetrics(durationSeconds), overallLatency: total.latency.histogram(), endpoints };
}
