// Which requests are kept as samples, and how a sample is built. Per endpoint: the first few
// successes, the first response of each status, the first failure of each error kind, and a
// bounded reservoir (uniform over all responses). Secrets are redacted here, before a sample
// leaves the engine.
import { redact, SECRET_HEADER_NAMES } from '../format';
import { ERROR_TYPES, type ErrorType, type SampledRequest } from '../format/result';
import type { PreparedRequest } from './http';

export const FIRST_SUCCESSES = 3;
export const RESERVOIR_SIZE = 5;
/** Distinct statuses kept per endpoint (a server answering with many codes stays bounded). */
const MAX_STATUSES = 16;
export const TRUNCATED_MARK = '...(truncated)';

import type { SampleKind, TaggedSample } from '../format/parts';

export type { SampleKind, TaggedSample } from '../format/parts';

export class EndpointSampler {
  private successes = 0;
  private statuses = 0;
  private readonly statusSeen = new Uint8Array(1000);
  private readonly errorSeen = new Uint8Array(ERROR_TYPES.length);
  private responses = 0;
  private readonly kept: SampledRequest[] = [];
  private readonly keptKinds: Array<SampleKind | 'error'> = [];
  private readonly reservoir: SampledRequest[] = [];
  /** Where the pending reservoir sample goes (-1: appended). */
  private reservoirSlot = -1;

  /** Decided at the response headers: keep this one? (Its body is captured only if so.) */
  choose(status: number, ok: boolean): SampleKind | null {
    this.responses++;
    if (ok && this.successes < FIRST_SUCCESSES) {
      this.successes++;
      this.statusSeen[status] = 1;
      return 'first';
    }
    if (this.statusSeen[status] === 0 && this.statuses < MAX_STATUSES) {
      this.statusSeen[status] = 1;
      this.statuses++;
      return 'status';
    }
    if (this.reservoir.length < RESERVOIR_SIZE) {
      this.reservoirSlot = -1;
      return 'reservoir';
    }
    const j = Math.floor(Math.random() * this.responses);
    if (j < RESERVOIR_SIZE) {
      this.reservoirSlot = j;
      return 'reservoir';
    }
    return null;
  }

  /** A failure with no sample chosen yet: is it the first of its kind? */
  firstError(type: ErrorType, index: number): boolean {
    if (this.errorSeen[index] !== 0) return false;
    this.errorSeen[index] = 1;
    return type.length > 0;
  }

  add(sample: SampledRequest, kind: SampleKind | 'error'): void {
    if (kind !== 'reservoir') {
      this.kept.push(sample);
      this.keptKinds.push(kind);
    } else if (this.reservoirSlot < 0 || this.reservoirSlot >= this.reservoir.length) {
      this.reservoir.push(sample);
    } else {
      this.reservoir[this.reservoirSlot] = sample;
    }
  }

  all(): SampledRequest[] {
    return [...this.kept, ...this.reservoir];
  }

  /** Every sample with why it was kept, so that samplers of several threads can be merged within the same limits. */
  tagged(): TaggedSample[] {
    return [...this.kept.map((sample, i) => ({ kind: this.keptKinds[i], sample })), ...this.reservoir.map((sample) => ({ kind: 'reservoir' as const, sample }))];
  }
}

/**
 * One endpoint's samples from several samplers, within one sampler's limits: the first successes,
 * one per status, one per error type, and a reservoir drawn evenly from each.
 */
export function mergeSamples(lists: ReadonlyArray<readonly TaggedSample[]>): SampledRequest[] {
  const out: SampledRequest[] = [];
  let firsts = 0;
  let statuses = 0;
  const statusSeen = new Set<number | null>();
  const errorSeen = new Set<string>();
  const reservoirs = lists.map((list) => list.filter((t) => t.kind === 'reservoir').map((t) => t.sample));
  for (const list of lists) {
    for (const { kind, sample } of list) {
      if (kind === 'first' && firsts < FIRST_SUCCESSES) {
        firsts++;
        statusSeen.add(sample.status);
        out.push(sample);
      }
    }
  }
  for (const list of lists) {
    for (const { kind, sample } of list) {
      if (kind === 'status' && !statusSeen.has(sample.status) && statuses < MAX_STATUSES) {
        statusSeen.add(sample.status);
        statuses++;
        out.push(sample);
      } else if (kind === 'error') {
        const type = sample.error_type ?? 'other';
        if (!errorSeen.has(type)) {
          errorSeen.add(type);
          out.push(sample);
        }
      }
    }
  }
  let taken = 0;
  for (let round = 0; taken < RESERVOIR_SIZE; round++) {
    let any = false;
    for (const reservoir of reservoirs) {
      if (round < reservoir.length && taken < RESERVOIR_SIZE) {
        out.push(reservoir[round]);
        taken++;
        any = true;
      }
    }
    if (!any) break;
  }
  return out;
}

const SECRET_HEADERS = new Set(SECRET_HEADER_NAMES.map((name) => name.toLowerCase()));

export function redactHeaders(pairs: Iterable<readonly [string, string]>, secrets: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of pairs) {
    const safe = SECRET_HEADERS.has(name.toLowerCase()) ? '***' : redact(value, secrets);
    const key = name.toLowerCase();
    out[key] = out[key] === undefined ? safe : `${out[key]}, ${safe}`;
  }
  return out;
}

function rawHeaderPairs(raw: Buffer[] | null): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (raw === null) return pairs;
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i].toString('latin1'), raw[i + 1].toString('latin1')]);
  return pairs;
}

/** Cuts text to `limit` characters, marked. */
export function truncateText(text: string, limit: number): { text: string; truncated: boolean } {
  if (text.length <= limit) return { text, truncated: false };
  return { text: text.slice(0, limit) + TRUNCATED_MARK, truncated: true };
}

export interface SampleInput {
  endpoint: string;
  prepared: PreparedRequest;
  status: number | null;
  responseHeaders: Buffer[] | null;
  body: Buffer[] | null;
  bodyTruncated: boolean;
  latencyMs: number;
  error: string | null;
  errorType: ErrorType | null;
  secrets: readonly string[];
  sampleBodyBytes: number;
}

export function buildSample(input: SampleInput): SampledRequest {
  const { prepared, secrets } = input;
  let responseBody: string | null = null;
  const truncated = input.bodyTruncated;
  if (input.body !== null) {
    responseBody = Buffer.concat(input.body).toString('utf8');
    if (truncated) responseBody += TRUNCATED_MARK;
    responseBody = redact(responseBody, secrets);
  }
  let requestBody: string | null = null;
  if (prepared.body !== null) {
    const cut = truncateText(prepared.body, input.sampleBodyBytes);
    requestBody = redact(cut.text, secrets);
  }
  const sample: SampledRequest = {
    endpoint: input.endpoint,
    method: String(prepared.options.method),
    url: redact(prepared.url, secrets),
    request_headers: redactHeaders(prepared.headers, secrets),
    request_body: requestBody,
    status: input.status,
    response_headers: redactHeaders(rawHeaderPairs(input.responseHeaders), secrets),
    response_body: responseBody,
    latency_ms: Math.round(input.latencyMs * 1000) / 1000,
    error: input.error === null ? null : redact(input.error, secrets),
    error_type: input.errorType,
  };
  if (truncated) sample.response_body_truncated = true;
  return sample;
}
