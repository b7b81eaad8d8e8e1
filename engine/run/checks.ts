// Checks and captures over one answer. The body is decoded, and parsed as JSON, only when a
// check or a capture needs it, and at most once per answer. Regular expressions run on re2js
// (linear time): no pattern can hang the engine on a hostile body.
import { RE2JS } from 're2js';
import { evaluateJsonPath } from '../format/flow';
import type { CheckValue, ParsedCheck, PlanCapture } from '../format/plan';

/** The most body a check or a capture reads; a longer answer fails with body_too_large. */
export const EVALUATION_BODY_LIMIT = 1024 * 1024;

/**
 * One answer, as a check or a capture sees it. Lazily decoded. A run keeps one per connection
 * slot and resets it for each answer, so evaluating an answer allocates nothing of its own.
 */
export class Answer {
  private text: string | null = null;
  private json: { ok: true; value: unknown } | { ok: false; message: string } | null = null;

  constructor(
    public status = 0,
    public latencyMs = 0,
    private rawHeaders: Buffer[] | null = null,
    private chunks: Buffer[] | null = null,
  ) {}

  /** Points this object at another answer, forgetting what was decoded from the last one. */
  reset(status: number, latencyMs: number, rawHeaders: Buffer[] | null, chunks: Buffer[] | null): this {
    this.status = status;
    this.latencyMs = latencyMs;
    this.rawHeaders = rawHeaders;
    this.chunks = chunks;
    this.text = null;
    this.json = null;
    return this;
  }

  /**
   * Lets go of the answer once it is evaluated: a reused object that still held the decoded body
   * and its parsed JSON would keep them alive through garbage collections (and into the old
   * generation) until the slot's next answer.
   */
  release(): void {
    this.reset(0, 0, null, null);
  }

  header(name: string): string | undefined {
    const raw = this.rawHeaders;
    if (raw === null) return undefined;
    const want = name.toLowerCase();
    for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i].toString('latin1').toLowerCase() === want) return raw[i + 1].toString('latin1');
    return undefined;
  }

  body(): string {
    if (this.text === null) {
      const chunks = this.chunks;
      // One chunk (a small body) is decoded where it lies, without a copy into one buffer first.
      this.text = chunks === null || chunks.length === 0 ? '' : chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
    }
    return this.text;
  }

  parsed(): { ok: true; value: unknown } | { ok: false; message: string } {
    if (this.json === null) {
      try {
        this.json = { ok: true, value: JSON.parse(this.body()) as unknown };
      } catch {
        const type = this.header('content-type');
        this.json = { ok: false, message: `the body is not JSON${type ? ` (Content-Type ${type})` : ''}` };
      }
    }
    return this.json;
  }
}

/** Whether a check or capture needs the body, or the headers. */
export function needsBody(checks: readonly ParsedCheck[], captures: readonly PlanCapture[]): boolean {
  return checks.some((c) => c.subject === 'json' || c.subject === 'body') || captures.some((c) => c.source.kind === 'json' || c.source.kind === 'regex');
}
export function needsHeaders(checks: readonly ParsedCheck[], captures: readonly PlanCapture[]): boolean {
  return checks.some((c) => c.subject === 'header') || captures.some((c) => c.source.kind === 'header');
}

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v));

function compare(op: ParsedCheck['op'], actual: unknown, expected: CheckValue, regex: RE2JS | null): string | null {
  switch (op) {
    case 'exists':
      return actual === undefined ? 'nothing there' : null;
    case 'contains':
      if (typeof actual === 'string') return actual.includes(String(expected)) ? null : `${show(actual)} does not contain ${show(String(expected))}`;
      if (Array.isArray(actual)) return actual.some((x) => x === expected) ? null : `${show(actual)} does not contain ${show(expected)}`;
      return `${show(actual)} is not text or a list`;
    case 'matches':
      if (typeof actual !== 'string' && typeof actual !== 'number') return `${show(actual)} is not text`;
      return regex !== null && regex.matcher(String(actual)).find() ? null : `${show(actual)} does not match`;
    case '==':
    case '!=': {
      let same: boolean;
      if (typeof expected === 'number' && typeof actual === 'string') return `compares a string (${show(actual)}) to a number`;
      if (typeof expected === 'string' && typeof actual === 'number') return `compares a number (${actual}) to a string`;
      if (actual !== null && typeof actual === 'object') same = JSON.stringify(actual) === JSON.stringify(expected);
      else same = actual === expected;
      if (op === '==') return same ? null : `was ${show(actual)}`;
      return same ? `was ${show(actual)}` : null;
    }
    default: {
      if (typeof actual !== 'number' || typeof expected !== 'number') {
        return `${show(actual)} is not a number`;
      }
      const ok = op === '<' ? actual < expected : op === '<=' ? actual <= expected : op === '>' ? actual > expected : actual >= expected;
      return ok ? null : `was ${actual}`;
    }
  }
}

/** A check ready to run: its regex compiled once, its counts kept. */
export class RunnableCheck {
  passes = 0;
  fails = 0;
  private readonly regex: RE2JS | null;

  constructor(
    readonly step: string,
    readonly check: ParsedCheck,
  ) {
    this.regex = check.op === 'matches' && typeof check.value === 'string' ? RE2JS.compile(check.value) : null;
  }

  /** null when it holds, else why not. Counts the outcome. */
  run(answer: Answer): string | null {
    const why = this.evaluate(answer);
    if (why === null) this.passes++;
    else this.fails++;
    return why;
  }

  private evaluate(answer: Answer): string | null {
    const c = this.check;
    switch (c.subject) {
      case 'status':
        return compare(c.op, answer.status, c.value, this.regex);
      case 'latency':
        return compare(c.op, Math.round(answer.latencyMs * 1000) / 1000, c.value, this.regex);
      case 'body':
        return compare(c.op, answer.body(), c.value, this.regex);
      case 'header': {
        const v = answer.header(c.name);
        if (v === undefined) return `no ${c.name} header`;
        const numeric = c.op === '<' || c.op === '<=' || c.op === '>' || c.op === '>=' || typeof c.value === 'number';
        if (numeric) {
          const n = Number(v.trim());
          if (v.trim() === '' || !Number.isFinite(n)) return `compares the header ${show(v)} (a string) to a number`;
          return compare(c.op, n, c.value, this.regex);
        }
        return compare(c.op, v, c.value === null ? 'null' : typeof c.value === 'boolean' ? String(c.value) : c.value, this.regex);
      }
      case 'json': {
        const parsed = answer.parsed();
        if (!parsed.ok) return parsed.message;
        return compare(c.op, evaluateJsonPath(c.path, parsed.value), c.value, this.regex);
      }
    }
  }
}

/** A capture ready to run. */
export class RunnableCapture {
  private readonly regex: RE2JS | null;

  constructor(readonly capture: PlanCapture) {
    this.regex = capture.source.kind === 'regex' ? RE2JS.compile(capture.source.pattern) : null;
  }

  /** The value, or why there is none. */
  run(answer: Answer): { ok: true; value: string } | { ok: false; message: string } {
    const s = this.capture.source;
    const none = (why: string): { ok: false; message: string } => ({ ok: false, message: `capture ${this.capture.name} (${this.capture.expression}): ${why}` });
    switch (s.kind) {
      case 'status':
        return { ok: true, value: String(answer.status) };
      case 'header': {
        const v = answer.header(s.name);
        return v === undefined ? none(`no ${s.name} header in the answer`) : { ok: true, value: v };
      }
      case 'regex': {
        const m = this.regex!.matcher(answer.body());
        if (!m.find()) return none('no match in the body');
        const group = m.groupCount() >= 1 ? m.group(1) : null;
        return { ok: true, value: group ?? m.group(0) ?? '' };
      }
      case 'json': {
        const parsed = answer.parsed();
        if (!parsed.ok) return none(parsed.message);
        const v = evaluateJsonPath(s.path, parsed.value);
        if (v === undefined || v === null) return none(`${s.path.text} found nothing`);
        return { ok: true, value: typeof v === 'string' ? v : JSON.stringify(v) };
      }
    }
  }
}
