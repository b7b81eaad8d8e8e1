// What a flow run (steps, captures, checks) adds to the panel: the iteration tiles, the Steps
// table, the Checks table, and a sample's whole iteration step by step with what it captured.
import type { CheckResult, EndpointMetrics, SampledRequest } from '../engine/format/result';
import { el, setAttr, setHidden, setText } from './dom';
import { formatCount, formatMs, formatPercent, formatRate } from './format';
import type { ViewData } from './state';
import { DataTable } from './table';
import { metricTile } from './tiles';

/** Checks passed and failed per step (or endpoint), summed over its checks. */
export function checkTotalsByStep(checks: CheckResult[]): Map<string, { passes: number; fails: number }> {
  const totals = new Map<string, { passes: number; fails: number }>();
  for (const c of checks) {
    const t = totals.get(c.step) ?? { passes: 0, fails: 0 };
    t.passes += c.passes;
    t.fails += c.fails;
    totals.set(c.step, t);
  }
  return totals;
}

/** The share of a check's evaluations that passed, or null before any. */
export function checkShare(c: { passes: number; fails: number }): number | null {
  const n = c.passes + c.fails;
  return n === 0 ? null : c.passes / n;
}

export class FlowTiles {
  readonly elements: HTMLElement[];
  private readonly rate = metricTile('Iterations/s', { value: 'metric-iterations-rate', sub: 'metric-iterations-sub' }, 'tile flow-tile');
  private readonly p95 = metricTile('Iteration p95', { value: 'metric-iteration-p95' }, 'tile flow-tile');

  constructor() {
    this.elements = [this.rate.box, this.p95.box];
    for (const tile of this.elements) setHidden(tile, true);
  }

  render(data: ViewData): void {
    const it = data.iterations;
    for (const tile of this.elements) setHidden(tile, it === null);
    if (it === null) return;
    setText(this.rate.value, formatRate(it.per_second));
    const parts = [`${formatCount(it.completed)} completed`];
    if (it.failed > 0) parts.push(`${formatCount(it.failed)} failed`);
    if (it.dropped > 0) parts.push(`${formatCount(it.dropped)} dropped`);
    setText(this.rate.sub, parts.join(' · '));
    const d = data.iterationDuration;
    setText(this.p95.value, formatMs(d?.p95));
    setText(this.p95.sub, d ? `p50 ${formatMs(d.p50)} · max ${formatMs(d.max)}` : '');
  }
}

export function stepsTable(): DataTable {
  return new DataTable({
    ariaLabel: 'Steps',
    rowTestId: 'step-row',
    // Each column is as wide as its widest value (header included), so nothing is cut; in a
    // narrow panel the table scrolls sideways inside itself, the step names first.
    columns: [
      { title: '#', width: 'auto', align: 'right', fit: { maxPx: 60 } },
      { title: 'Step', width: '1.4fr', fit: { maxPx: 260 } },
      { title: 'Method', width: 'auto', fit: { maxPx: 100 } },
      { title: 'Requests', width: '0.8fr', align: 'right', fit: { maxPx: 120 } },
      { title: 'Error rate', width: '0.8fr', align: 'right', fit: { maxPx: 120 } },
      { title: 'p50', width: '0.7fr', align: 'right', fit: { maxPx: 120 } },
      { title: 'p95', width: '0.7fr', align: 'right', fit: { maxPx: 120 } },
      { title: 'p99', width: '0.7fr', align: 'right', fit: { maxPx: 120 } },
      { title: 'Checks ✓', width: '0.7fr', align: 'right', fit: { maxPx: 120 } },
      { title: 'Checks ✗', width: '0.7fr', align: 'right', fit: { maxPx: 120 } },
    ],
  });
}

export function renderSteps(table: DataTable, steps: EndpointMetrics[], checks: CheckResult[]): void {
  const totals = checkTotalsByStep(checks);
  table.setRows(
    steps.map((step, index) => ({ step, index })),
    ({ step }) => step.name,
    ({ step: s, index }) => {
      const t = totals.get(s.name);
      return [
        { text: String(index + 1) },
        { text: s.name, title: `${s.name}: ${s.method} ${s.url}` },
        { text: s.method },
        { text: formatCount(s.total_requests) },
        { text: formatPercent(s.error_rate), tone: s.error_rate > 0 ? 'fail' : '' },
        { text: formatMs(s.latency_ms.p50) },
        { text: formatMs(s.latency_ms.p95) },
        { text: formatMs(s.latency_ms.p99) },
        { text: t === undefined ? '—' : formatCount(t.passes), tone: t !== undefined && t.passes > 0 ? 'pass' : '' },
        { text: t === undefined ? '—' : formatCount(t.fails), tone: t !== undefined && t.fails > 0 ? 'fail' : '' },
      ];
    },
    ({ step }) => (step.failed_requests > 0 ? 'fail' : ''),
  );
}

export function checksTable(): DataTable {
  return new DataTable({
    ariaLabel: 'Checks',
    rowTestId: 'check-row',
    columns: [
      { title: 'Check', width: '2.4fr', fit: { maxPx: 360 } },
      { title: 'Step', width: '1fr', fit: { maxPx: 200 } },
      { title: 'Passes', width: '0.7fr', align: 'right', fit: { maxPx: 120 } },
      { title: 'Fails', width: '0.7fr', align: 'right', fit: { maxPx: 120 } },
      { title: 'Share', width: '0.7fr', align: 'right', fit: { maxPx: 120 } },
    ],
  });
}

export function renderChecks(table: DataTable, checks: CheckResult[]): void {
  table.setRows(
    checks,
    (c, i) => `${i}\u0000${c.step}\u0000${c.expression}`,
    (c) => {
      const share = checkShare(c);
      return [
        { text: c.expression, title: c.expression },
        { text: c.step, title: c.step },
        { text: formatCount(c.passes) },
        { text: formatCount(c.fails), tone: c.fails > 0 ? 'fail' : '' },
        { text: share === null ? '—' : formatPercent(share), tone: c.fails > 0 ? 'fail' : 'pass' },
      ];
    },
    (c) => (c.fails > 0 ? 'fail' : ''),
  );
}

/** The samples of the same iteration as `s`, in step order; just `s` outside a flow. */
export function iterationOf(s: SampledRequest, all: SampledRequest[]): SampledRequest[] {
  if (s.iteration === undefined) return [s];
  return all
    .filter((x) => x.iteration === s.iteration)
    .sort((a, b) => (a.step_index ?? 0) - (b.step_index ?? 0));
}

/**
 * A flow sample's place in its iteration: each step of that iteration the engine kept, with its
 * status, latency, what it captured (secrets already `***` from the engine) and the checks it failed.
 */
export function iterationBlock(s: SampledRequest, all: SampledRequest[], onSelect: (x: SampledRequest) => void): HTMLElement | null {
  if (s.iteration === undefined) return null;
  const steps = iterationOf(s, all);
  const list = el('ol', { className: 'iteration-steps', attrs: { 'aria-label': `Iteration ${s.iteration + 1}` } });
  for (const step of steps) {
    const failed = step.error !== null || step.status === null || (step.failed_checks?.length ?? 0) > 0;
    const head = el(
      'button',
      { className: 'iteration-step-head', attrs: { type: 'button', title: 'Show this request and response' } },
      el('span', { className: 'step-name', text: `${(step.step_index ?? 0) + 1}. ${step.endpoint}` }),
      el('span', { text: ` ${step.method} ${step.url}` }),
      el('span', { className: 'step-outcome', text: ` · ${step.status === null ? 'no response' : String(step.status)} · ${formatMs(step.latency_ms)}` }),
    );
    head.addEventListener('click', () => onSelect(step));
    const item = el('li', { className: 'iteration-step', testid: 'iteration-step' }, head);
    setAttr(item, 'data-tone', failed ? 'fail' : null);
    setAttr(item, 'aria-current', step === s ? 'step' : null);
    const captured = Object.entries(step.captured ?? {});
    if (captured.length > 0) {
      item.appendChild(
        el('pre', { className: 'captured', testid: 'iteration-captured', text: captured.map(([k, v]) => `${k} = ${v}`).join('\n') }),
      );
    }
    for (const check of step.failed_checks ?? []) {
      item.appendChild(el('div', { className: 'detail-error', testid: 'iteration-failed-check', text: `check failed: ${check}` }));
    }
    // A failed check's error repeats the check listed above it.
    if (step.error && (step.failed_checks?.length ?? 0) === 0) item.appendChild(el('div', { className: 'detail-error', text: step.error }));
    list.appendChild(item);
  }
  const lastIndex = steps[steps.length - 1]?.step_index ?? 0;
  const note =
    steps.length < lastIndex + 1
      ? 'Only the sampled steps of this iteration are listed.'
      : `${formatCount(steps.length)} step${steps.length === 1 ? '' : 's'} of this iteration were sampled.`;
  return el(
    'div',
    { className: 'detail-block iteration', testid: 'sample-iteration' },
    el('h3', { text: `Iteration ${formatCount(s.iteration + 1)}` }),
    list,
    el('div', { className: 'muted', text: note }),
  );
}
