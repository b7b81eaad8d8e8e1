// What each answer counts for: its endpoint's (or step's) counters and histograms, the second of
// the timeline it falls in, the checks and captures it is evaluated against, and whether it is
// kept as a sample (redacted before it leaves). Whether the body is kept at all is decided at the
// response headers: only for a sample, a check or a capture.
import { redact } from '../format';
import type { RunPlan } from '../format/plan';
import { ERROR_TYPES, type SampledRequest } from '../format/result';
import { Answer, EVALUATION_BODY_LIMIT } from './checks';
import { cutBody, type EndpointState } from './endpointState';
import { classifyError, describeError, ERROR_INDEX } from './errors';
import { emptyEvaluated, evaluateAnswer, type EndpointEvaluation, type Evaluated } from './flow';
import type { FlowRun } from './flowRun';
import type { RequestSlot } from './http';
import { toMicros } from './metrics';
import { buildSample, type SampleKind } from './samples';
import type { Timeline } from './timeline';

const UNEXPECTED_STATUS = ERROR_INDEX.unexpected_status;
const TIMEOUT = ERROR_INDEX.timeout;
const CHECK_FAILED = ERROR_INDEX.check_failed;
const CAPTURE_FAILED = ERROR_INDEX.capture_failed;
const BODY_TOO_LARGE = ERROR_INDEX.body_too_large;
const NO_SECRETS: ReadonlySet<string> = new Set();

export interface CompletionsContext {
  plan: RunPlan;
  endpoints: readonly EndpointState[];
  evaluations: readonly EndpointEvaluation[];
  timeline: Timeline;
  flow: FlowRun | null;
  /** Bytes of a sampled response body to keep. */
  sampleBodyBytes: number;
  log(level: 'warn', message: string): void;
  onSample?: (sample: SampledRequest) => void;
}

/** Per slot: how its last request went, and the objects reused to evaluate each answer. */
interface SlotOutcome {
  failed: boolean;
  evaluated: Evaluated | null;
  error: string | null;
  answer: Answer;
  scratch: Evaluated;
}

export class Completions {
  private readonly outcomes: SlotOutcome[];
  /** Per slot: why the answer now arriving is kept as a sample, or null. */
  private readonly sampleKinds: Array<SampleKind | null>;

  constructor(
    private readonly ctx: CompletionsContext,
    slots: number,
  ) {
    const n = Math.max(1, slots);
    this.outcomes = Array.from({ length: n }, () => ({ failed: false, evaluated: null, error: null, answer: new Answer(), scratch: emptyEvaluated() }));
    this.sampleKinds = new Array<SampleKind | null>(n).fill(null);
  }

  /** At the response headers: is this answer's body kept (for a sample, a check or a capture)? */
  wantsBody(slot: RequestSlot): boolean {
    const state = this.ctx.endpoints[slot.endpointIndex];
    const evaluation = this.ctx.evaluations[slot.endpointIndex];
    const iteration = this.ctx.flow === null ? null : this.ctx.flow.iterationOf(slot);
    const kind = iteration?.sampled === true ? 'first' : state.sampler.choose(slot.status, state.expected[slot.status] === 1);
    this.sampleKinds[slot.id] = kind;
    if (evaluation.needsBody) slot.bodyLimit = Math.max(slot.bodyLimit, EVALUATION_BODY_LIMIT);
    return kind !== null || evaluation.needsBody || evaluation.needsHeaders;
  }

  /** Records the slot's request, unless a stop discarded it. */
  done(slot: RequestSlot): void {
    if (!slot.discarded) this.record(slot);
    this.sampleKinds[slot.id] = null;
  }

  /** Whether the slot's last request failed: its request, its status, a check or a capture. */
  failed(slot: RequestSlot): boolean {
    return this.outcomes[slot.id].failed;
  }

  private record(slot: RequestSlot): void {
    const ctx = this.ctx;
    const timeline = ctx.timeline;
    const state = ctx.endpoints[slot.endpointIndex];
    const stats = state.stats;
    const err = slot.error;
    const status = slot.status;
    let errorIndex = -1;
    const outcome = this.outcomes[slot.id];
    outcome.evaluated = null;
    outcome.error = null;
    if (err === null) {
      stats.statusCounts[status]++;
      if (state.expected[status] !== 1) errorIndex = UNEXPECTED_STATUS;
      const evaluation = ctx.evaluations[slot.endpointIndex];
      if (evaluation.evaluates) {
        if (evaluation.needsBody && slot.truncated) {
          if (errorIndex < 0) errorIndex = BODY_TOO_LARGE;
          outcome.error = `the answer is larger than ${EVALUATION_BODY_LIMIT / 1024 / 1024} MiB: too large to check or capture from`;
        } else {
          const iteration = ctx.flow === null ? null : ctx.flow.iterationOf(slot);
          const answer = outcome.answer.reset(status, slot.endedAt - slot.dueAt, slot.responseHeaders, slot.captured);
          const evaluated = evaluateAnswer(evaluation, answer, errorIndex < 0, iteration, ctx.flow?.state.secretCaptures ?? NO_SECRETS, outcome.scratch);
          answer.release();
          outcome.evaluated = evaluated;
          if (errorIndex < 0 && evaluated.failedChecks.length > 0) {
            errorIndex = CHECK_FAILED;
            outcome.error = `check failed: ${evaluated.failedChecks.join('; ')}`;
          } else if (errorIndex < 0 && evaluated.captureError !== null) {
            errorIndex = CAPTURE_FAILED;
            outcome.error = evaluated.captureError;
          }
        }
      }
      if (errorIndex < 0) stats.successful++;
      else stats.failed++;
    } else {
      stats.failed++;
      errorIndex = ERROR_INDEX[classifyError(err)];
    }
    outcome.failed = errorIndex >= 0;
    if (errorIndex >= 0) {
      stats.errorCounts[errorIndex]++;
      timeline.interval.errors++;
    }
    // Latency counts every request that got an answer or ran out of time; a connection that
    // failed at once has no latency worth mixing in.
    if (status > 0 || errorIndex === TIMEOUT) {
      const latencyUs = toMicros(slot.endedAt - slot.dueAt);
      stats.latency.record(latencyUs);
      if (!stats.serviceIsLatency) stats.service.record(toMicros(slot.endedAt - slot.sentAt));
      timeline.interval.latency.record(latencyUs);
    }
    if (slot.headersAt > 0) stats.ttfb.record(toMicros(slot.headersAt - slot.sentAt));
    timeline.interval.completed++;
    stats.bytesReceived += slot.bytesReceived;
    const prepared = slot.prepared;
    if (prepared !== null) stats.bytesSent += prepared.bytesSent + slot.redirectBytesSent;
    stats.redirects += slot.redirects;

    const kind = this.sampleKinds[slot.id];
    if (kind !== null) {
      this.takeSample(slot, state, kind, errorIndex);
    } else if (errorIndex >= 0 && errorIndex !== UNEXPECTED_STATUS && state.sampler.firstError(ERROR_TYPES[errorIndex], errorIndex)) {
      this.takeSample(slot, state, 'error', errorIndex);
    }
    if (errorIndex >= 0 && stats.errorCounts[errorIndex] === 1 && (err !== null || outcome.error !== null)) {
      const what = err !== null ? describeError(err) : (outcome.error ?? '');
      ctx.log('warn', `${state.plan.name}: first ${ERROR_TYPES[errorIndex]} error: ${redact(what, this.secretsOf(slot))}`);
    }
  }

  /** The plan's secrets, plus the secret values captured in the slot's iteration. */
  private secretsOf(slot: RequestSlot): readonly string[] {
    const flow = this.ctx.flow;
    return flow === null ? this.ctx.plan.secrets : flow.secrets(slot);
  }

  private takeSample(slot: RequestSlot, state: EndpointState, kind: SampleKind | 'error', errorIndex: number): void {
    if (slot.prepared === null) return;
    const ctx = this.ctx;
    const secrets = this.secretsOf(slot);
    const outcome = this.outcomes[slot.id];
    const kept = cutBody(slot.captured, ctx.sampleBodyBytes, slot.truncated);
    const sample = buildSample({
      endpoint: state.plan.name,
      prepared: slot.prepared,
      status: slot.status > 0 ? slot.status : null,
      responseHeaders: slot.responseHeaders,
      body: kept.body,
      bodyTruncated: kept.truncated,
      latencyMs: slot.endedAt - slot.dueAt,
      error:
        slot.error !== null
          ? describeError(slot.error)
          : outcome.error !== null
            ? outcome.error
            : errorIndex === UNEXPECTED_STATUS
              ? `unexpected status ${slot.status}`
              : null,
      errorType: errorIndex >= 0 ? ERROR_TYPES[errorIndex] : null,
      secrets,
      sampleBodyBytes: ctx.sampleBodyBytes,
    });
    const evaluated = outcome.evaluated;
    if (evaluated !== null && evaluated.failedChecks.length > 0) sample.failed_checks = evaluated.failedChecks.map((c) => redact(c, secrets));
    ctx.flow?.describe(sample, slot, evaluated, secrets);
    state.sampler.add(sample, kind);
    ctx.onSample?.(sample);
  }
}
