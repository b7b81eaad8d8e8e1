// The panel's DOM: built once, then updated in place from the state on each (throttled) render.
import type { EndpointMetrics, Metrics, SampledRequest, ThresholdResult } from '../engine/format/result';
import { Charts } from './charts';
import { el, setAttr, setHidden, setText } from './dom';
import { formatCount, formatDuration, formatMs, formatPercent, formatRate, formatThresholdActual } from './format';
import type { PanelState, ViewData } from './state';
import { chartsNote, MIN_CHART_POINTS, viewData } from './state';
import { DataTable } from './table';
import { checksTable, FlowTiles, renderChecks, renderSteps, stepsTable } from './flowView';
import { isErrorSample, pathOf, sampleDetail } from './sampleDetail';
import { CompareView } from './compareView';
import { SummaryTiles } from './tiles';
import { BaselineControls, type BaselineActions } from './headerActions';

export interface UiState {
  tab: string;
  errorsOnly: boolean;
  /** Index into the shown samples list (the unfiltered one). */
  selectedSample: number | null;
}

export function initialUi(): UiState {
  return { tab: 'tab-overview', errorsOnly: false, selectedSample: null };
}

export interface ViewActions extends BaselineActions {
  stop(): void;
  rerun(): void;
  openSpec(): void;
  uiChanged(ui: UiState): void;
  closeCompare(): void;
}

/** The newest samples shown in the list; the count says when there are more. */
export const MAX_SAMPLE_ROWS = 200;

export class PanelView {
  private ui: UiState;
  private readonly name = el('h1', { className: 'run-name', text: 'Results' });
  private readonly status = el('vscode-tag', {
    testid: 'run-status',
    className: 'status',
    text: 'waiting',
    attrs: { role: 'status', 'aria-live': 'polite' },
  });
  private readonly stopButton = el('vscode-button', { testid: 'stop-button', text: 'Stop', attrs: { appearance: 'secondary' } });
  private readonly rerunButton = el('vscode-button', { testid: 'rerun-button', text: 'Rerun' });
  private readonly baseline: BaselineControls;
  private readonly compareView: CompareView;
  private readonly single: HTMLElement[] = [];
  private readonly fileLink = el('vscode-link', { className: 'file', attrs: { href: '#', title: 'Open the spec' } });
  private readonly modelText = el('span', { className: 'model' });
  private readonly elapsed = el('span', { className: 'elapsed', testid: 'run-elapsed' });
  private readonly ring = el('vscode-progress-ring', { className: 'ring', attrs: { 'aria-label': 'Running' } });
  private readonly progressBar = el('progress', { className: 'progress', attrs: { max: '1', value: '0', 'aria-label': 'Progress' } });
  private readonly progressText = el('span', { className: 'progress-text', testid: 'run-progress' });
  private readonly banner = el('div', { className: 'banner', testid: 'run-message', attrs: { role: 'status' } });
  private readonly charts = new Charts();
  private readonly chartsNote = el('p', { className: 'charts-note', testid: 'charts-note', attrs: { role: 'note' } });
  private readonly thresholds = new DataTable({
    ariaLabel: 'Thresholds',
    rowTestId: 'threshold-row',
    columns: [
      // The expression names the limit ("p95 < 200ms"): a column of its own only repeated it
      // and left too little room in a narrow panel for the rest.
      { title: 'Threshold', width: 'minmax(140px, 2fr)' },
      { title: 'Endpoint', width: 'minmax(100px, 1fr)' },
      { title: 'Actual', width: 'minmax(120px, 1fr)', align: 'right' },
      { title: 'Result', width: '88px', align: 'center' },
    ],
  });
  private readonly thresholdsEmpty = el('p', { className: 'empty', text: 'This test has no thresholds.' });
  private readonly endpoints = new DataTable({
    ariaLabel: 'Endpoints',
    rowTestId: 'endpoint-row',
    columns: [
      { title: 'Endpoint', width: 'minmax(100px, 1.4fr)' },
      { title: 'Method', width: '92px' },
      { title: 'URL', width: 'minmax(120px, 2fr)' },
      { title: 'Requests', width: 'minmax(70px, 0.8fr)', align: 'right' },
      { title: 'req/s', width: 'minmax(64px, 0.7fr)', align: 'right' },
      { title: 'p50', width: 'minmax(84px, 0.7fr)', align: 'right' },
      { title: 'p95', width: 'minmax(84px, 0.7fr)', align: 'right' },
      { title: 'p99', width: 'minmax(84px, 0.7fr)', align: 'right' },
      { title: 'Errors', width: 'minmax(60px, 0.7fr)', align: 'right' },
      { title: 'Error rate', width: 'minmax(96px, 0.8fr)', align: 'right' },
    ],
  });
  private readonly steps = stepsTable();
  private readonly checks = checksTable();
  private readonly checksTitle = el('h2', { text: 'Checks' });
  private readonly flowTiles = new FlowTiles();
  private readonly tiles = new SummaryTiles(this.flowTiles.elements);
  private readonly skippedNote = el('p', { className: 'muted', testid: 'skipped-steps' });
  private readonly endpointsTabText = el('span', { text: 'Endpoints' });
  private readonly endpointsEmpty = el('p', { className: 'empty', text: 'No requests yet.' });
  private readonly statusCodes = new DataTable({
    ariaLabel: 'Status codes',
    columns: [
      { title: 'Status', width: '1fr' },
      { title: 'Responses', width: '1fr', align: 'right' },
      { title: 'Share', width: '1fr', align: 'right' },
    ],
  });
  private readonly statusCodesEmpty = el('p', { className: 'empty', text: 'No responses yet.' });
  private readonly errorTypes = new DataTable({
    ariaLabel: 'Errors by type',
    columns: [
      { title: 'Error', width: '1.4fr' },
      { title: 'Count', width: '1fr', align: 'right' },
      { title: 'Share of requests', width: '1fr', align: 'right' },
    ],
  });
  private readonly errorTypesEmpty = el('p', { className: 'empty', text: 'No errors.' });
  private readonly samples: DataTable;
  private readonly samplesEmpty = el('p', { className: 'empty', text: 'No sampled requests yet.' });
  private readonly samplesCount = el('span', { className: 'samples-count' });
  private readonly errorsOnly = el('vscode-checkbox', { text: 'Errors only' });
  private readonly detail = el('section', { className: 'sample-detail', testid: 'sample-detail', attrs: { 'aria-label': 'Sample detail' } });
  private readonly tabLabels = new Map<string, HTMLElement>();
  private readonly panels = el('vscode-panels', { className: 'tabs', attrs: { 'aria-label': 'Result sections' } });

  private data: ViewData | null = null;
  private detailFor: SampledRequest | null = null;
  private bannerKey = '\u0001';
  private readonly stale = new Set<'endpoints' | 'errors' | 'samples'>();

  constructor(
    root: HTMLElement,
    private readonly actions: ViewActions,
    ui: UiState,
  ) {
    this.ui = ui;
    this.compareView = new CompareView(() => this.actions.closeCompare());
    this.baseline = new BaselineControls(actions);
    this.samples = new DataTable({
      ariaLabel: 'Sampled requests',
      rowTestId: 'sample-row',
      columns: [
        { title: 'Endpoint', width: '1fr', fit: { maxPx: 240 } },
        { title: 'Method', width: 'auto', fit: { maxPx: 120 } },
        { title: 'Path', width: '3fr', fit: { maxPx: 480 } },
        { title: 'Status', width: 'auto', align: 'right', fit: { maxPx: 120 } },
        { title: 'Latency', width: 'auto', align: 'right', fit: { maxPx: 140 } },
        { title: 'Error', width: 'minmax(80px, 1.4fr)' },
      ],
      onActivate: (key) => this.selectSample(Number(key)),
    });
    root.appendChild(this.buildHeader());
    this.single.push(this.tiles.element, this.buildTabs());
    for (const part of this.single) root.appendChild(part);
    setHidden(this.compareView.element, true);
    root.appendChild(this.compareView.element);
    this.stopButton.addEventListener('click', () => {
      if (!this.stopButton.hasAttribute('disabled')) this.actions.stop();
    });
    this.rerunButton.addEventListener('click', () => {
      if (!this.rerunButton.hasAttribute('disabled')) this.actions.rerun();
    });
    this.fileLink.addEventListener('click', (e) => {
      e.preventDefault();
      this.actions.openSpec();
    });
    if (ui.errorsOnly) this.errorsOnly.setAttribute('checked', '');
    this.errorsOnly.addEventListener('change', () => {
      const checked = (this.errorsOnly as HTMLInputElement).checked === true;
      this.ui = { ...this.ui, errorsOnly: checked };
      this.actions.uiChanged(this.ui);
      this.renderSamples(true);
    });
    this.panels.addEventListener('change', () => {
      // The property, not the attribute: FAST reflects attributes asynchronously.
      const active = (this.panels as HTMLElement & { activeid?: string }).activeid ?? null;
      if (active !== null && active !== this.ui.tab) {
        this.ui = { ...this.ui, tab: active };
        this.actions.uiChanged(this.ui);
        this.renderVisibleTab();
      }
    });
  }

  render(state: PanelState): void {
    const data = viewData(state);
    const prev = this.data;
    this.data = data;
    this.renderHeader(state, data);
    // The compare view stands in for the tiles and tabs; the single-run parts keep their state.
    const comparing = state.compare !== null;
    for (const part of this.single) setHidden(part, comparing);
    setHidden(this.compareView.element, !comparing);
    this.compareView.render(state.compare);
    if (
      prev === null ||
      prev.summary !== data.summary ||
      prev.thresholds !== data.thresholds ||
      prev.currentRps !== data.currentRps ||
      prev.iterations !== data.iterations
    ) {
      this.tiles.render(state, data);
      this.flowTiles.render(data);
    }
    this.charts.update(data.timeline, state.run?.model ?? 'closed', state.run?.target_rps ?? null);
    // Empty axes or a lone dot say nothing: below two points a plain note stands in for the charts.
    setHidden(this.charts.element, data.timeline.length < MIN_CHART_POINTS);
    const note = chartsNote(state, data);
    setText(this.chartsNote, note ?? '');
    setHidden(this.chartsNote, note === null);
    if (prev === null || prev.thresholds !== data.thresholds || (prev.summary === null) !== (data.summary === null)) {
      this.renderThresholds(data.thresholds, data.summary !== null);
    }
    // Tabs not shown are brought up to date when they are shown: a live run then costs only what
    // is on screen (100 endpoint rows rewritten every update would dominate the render).
    if (prev === null || prev.checks !== data.checks) {
      renderChecks(this.checks, data.checks);
      setHidden(this.checks.element, data.checks.length === 0);
      setHidden(this.checksTitle, data.checks.length === 0);
    }
    const flow = data.iterations !== null;
    setText(this.endpointsTabText, flow ? 'Steps' : 'Endpoints');
    if (prev === null || prev.endpoints !== data.endpoints || prev.checks !== data.checks || (prev.iterations !== null) !== flow) {
      this.stale.add('endpoints');
    }
    if (prev === null || prev.summary !== data.summary) this.stale.add('errors');
    if (prev === null || prev.samples !== data.samples) this.stale.add('samples');
    this.setTabCount('endpoints', data.endpoints.length > 1 ? data.endpoints.length : null);
    this.setTabCount('samples', data.samples.length > 0 ? data.samples.length : null);
    const errorCount = Object.values(data.summary?.errors_by_type ?? {}).reduce((sum: number, n) => sum + (n ?? 0), 0);
    this.setTabCount('errors', errorCount > 0 ? errorCount : null);
    this.renderVisibleTab();
  }

  private renderVisibleTab(): void {
    const tab = this.ui.tab;
    this.charts.setVisible(tab === 'tab-overview');
    const data = this.data;
    if (data === null) return;
    if (tab === 'tab-endpoints' && this.stale.delete('endpoints')) {
      const flow = data.iterations !== null;
      if (flow) renderSteps(this.steps, data.endpoints, data.checks);
      else this.renderEndpoints(data.endpoints);
      setHidden(this.steps.element, !flow || data.endpoints.length === 0);
      if (flow) setHidden(this.endpoints.element, true);
      setHidden(this.endpointsEmpty, data.endpoints.length > 0);
      const skipped = flow ? (data.skippedSteps ?? 0) : 0;
      setText(this.skippedNote, skipped > 0 ? `${formatCount(skipped)} step${skipped === 1 ? '' : 's'} not sent: their iteration had ended at an earlier step.` : '');
      setHidden(this.skippedNote, skipped === 0);
    }
    if (tab === 'tab-errors' && this.stale.delete('errors')) this.renderStatusAndErrors(data.summary);
    if (tab === 'tab-samples' && this.stale.delete('samples')) this.renderSamples(false);
  }

  private buildHeader(): HTMLElement {
    const titleRow = el(
      'div',
      { className: 'title-row' },
      this.name,
      this.status,
      this.baseline.tag,
      el('span', { className: 'actions' }, this.stopButton, this.baseline.compareButton, this.baseline.pinButton, this.rerunButton),
    );
    const progress = el('span', { className: 'progress-group' }, this.ring, this.progressBar, this.progressText);
    const metaRow = el('div', { className: 'meta-row' }, this.fileLink, this.modelText, this.elapsed, progress);
    return el('header', { className: 'header' }, titleRow, metaRow, this.banner);
  }

  private buildTabs(): HTMLElement {
    const tabs: [string, string, HTMLElement][] = [
      [
        'overview',
        'Overview',
        el(
          'div',
          { className: 'stack' },
          this.chartsNote,
          this.charts.element,
          el('h2', { text: 'Thresholds' }),
          this.thresholds.element,
          this.thresholdsEmpty,
          this.checksTitle,
          this.checks.element,
        ),
      ],
      [
        'endpoints',
        'Endpoints',
        el('div', { className: 'stack' }, this.endpoints.element, this.steps.element, this.skippedNote, this.endpointsEmpty),
      ],
      [
        'errors',
        'Status & errors',
        el(
          'div',
          { className: 'two-columns' },
          el('div', { className: 'stack' }, el('h2', { text: 'Status codes' }), this.statusCodes.element, this.statusCodesEmpty),
          el('div', { className: 'stack' }, el('h2', { text: 'Errors by type' }), this.errorTypes.element, this.errorTypesEmpty),
        ),
      ],
      [
        'samples',
        'Samples',
        el(
          'div',
          { className: 'stack' },
          el('div', { className: 'samples-bar' }, this.errorsOnly, this.samplesCount),
          this.samples.element,
          this.samplesEmpty,
          el('vscode-divider', { attrs: { role: 'separator' } }),
          this.detail,
        ),
      ],
    ];
    for (const [id, label] of tabs) {
      const tab = el('vscode-panel-tab', { attrs: { id: `tab-${id}` } });
      const text = id === 'endpoints' ? this.endpointsTabText : el('span', { text: label });
      const count = el('vscode-badge', { className: 'count', attrs: { appearance: 'secondary' } });
      count.hidden = true;
      tab.append(text, count);
      this.tabLabels.set(id, count);
      this.panels.appendChild(tab);
    }
    for (const [id, , content] of tabs) {
      this.panels.appendChild(el('vscode-panel-view', { className: 'tab-view', attrs: { id: `view-${id}` } }, content));
    }
    if (tabs.some(([id]) => `tab-${id}` === this.ui.tab)) this.panels.setAttribute('activeid', this.ui.tab);
    this.renderDetail(null);
    return this.panels;
  }

  private setTabCount(id: string, n: number | null): void {
    const badge = this.tabLabels.get(id);
    if (badge === undefined) return;
    setHidden(badge, n === null);
    setText(badge, n === null ? '' : formatCount(n));
  }

  private renderHeader(state: PanelState, data: ViewData): void {
    const run = state.run;
    const result = state.result;
    setText(this.name, run?.name ?? result?.name ?? 'Results');
    setText(this.status, data.status);
    setAttr(this.status, 'data-status', data.status);
    const file = result?.file || run?.file || '';
    setText(this.fileLink, file);
    setHidden(this.fileLink, file === '');

    const running = state.phase === 'running' || state.phase === 'stopping';
    setAttr(this.stopButton, 'disabled', state.phase === 'running' ? null : '');
    setText(this.stopButton, state.phase === 'stopping' ? 'Stopping…' : 'Stop');
    setHidden(this.stopButton, !running);
    setAttr(this.rerunButton, 'disabled', !running && state.canRerun ? null : '');
    this.baseline.render(state);

    const model = run?.model ?? result?.model ?? null;
    const target = run?.target_rps ?? result?.target_rps ?? null;
    const achieved = data.summary?.requests_per_second ?? null;
    let modelText = '';
    const flow = run?.flow;
    const users = typeof result?.spec.concurrency === 'number' ? result.spec.concurrency : null;
    if (flow !== undefined || data.iterations !== null) {
      const rate = flow?.iterations_per_second ?? (typeof result?.spec.iterations_per_second === 'number' ? result.spec.iterations_per_second : null);
      modelText =
        model === 'open'
          ? `Flow · open model · ${formatRate(rate)} iterations/s`
          : `Flow · closed model${users !== null ? ` · ${formatCount(users)} virtual user${users === 1 ? '' : 's'}` : ''}`;
    } else if (model === 'open') {
      modelText = `Open model · target ${formatRate(target)} req/s · achieved ${formatRate(achieved)} req/s`;
    } else if (model === 'closed') {
      const concurrency = result?.spec.concurrency;
      modelText = `Closed model${typeof concurrency === 'number' ? ` · ${formatCount(concurrency)} connection${concurrency === 1 ? '' : 's'}` : ''}`;
    }
    if (result?.insecure_tls === true) modelText += ' · TLS not verified';
    setText(this.modelText, modelText);
    setText(this.elapsed, data.elapsedSeconds === null ? '' : `Elapsed ${formatDuration(data.elapsedSeconds)}`);

    setHidden(this.ring, !running);
    const progress = data.progress;
    setHidden(this.progressBar, progress === null || !running);
    if (progress !== null) (this.progressBar as HTMLProgressElement).value = Math.min(1, Math.max(0, progress));
    setText(this.progressText, running ? progressText(state, data) : '');

    this.renderBanner(state);
  }

  private renderBanner(state: PanelState): void {
    const lines: string[] = [];
    let tone = '';
    if (state.phase === 'error') {
      tone = 'error';
      lines.push(state.errorMessage ?? 'The run failed.');
    } else if (state.result !== null) {
      const r = state.result;
      if (r.status === 'failed') {
        tone = 'error';
        lines.push(r.error ?? 'The run failed.');
      } else if (r.status === 'cancelled') {
        tone = 'warning';
        lines.push('The run was stopped before it finished; the numbers cover the part that ran.');
      }
      // The engine's own 'run cancelled' reason says what the line above already says.
      const reasons = r.status === 'cancelled' ? r.failure_reasons.filter((reason) => reason !== 'run cancelled') : r.failure_reasons;
      if (r.status !== 'failed' && reasons.length > 0) {
        tone = tone || 'error';
        lines.push(...reasons);
      }
    } else if (state.phase === 'stopping') {
      tone = 'warning';
      lines.push('Stopping: waiting for requests in flight…');
    }
    const key = `${tone}\u0000${lines.join('\n')}`;
    if (key === this.bannerKey) return;
    this.bannerKey = key;
    this.banner.replaceChildren(...lines.map((line) => el('div', { text: line })));
    setAttr(this.banner, 'data-tone', tone || null);
    setHidden(this.banner, lines.length === 0);
  }

  private renderThresholds(thresholds: ThresholdResult[], haveNumbers: boolean): void {
    this.thresholds.setRows(
      thresholds,
      (t, i) => `${i}\u0000${t.expression}\u0000${t.endpoint ?? ''}`,
      (t) => {
        return [
          { text: t.expression, title: t.expression },
          { text: t.endpoint ?? 'all', title: t.endpoint ?? 'all endpoints' },
          { text: formatThresholdActual(t.expression, t.actual) },
          // A baseline threshold without a baseline is not judged: it neither passed nor failed.
          t.no_baseline === true
            ? { text: '–', title: 'no baseline: not judged (pin a run as baseline, or set baseline: in the spec)' }
            : { text: t.passed ? '✓' : '✗', tone: t.passed ? 'pass' : 'fail', title: t.passed ? 'passed' : 'failed' },
        ];
      },
      (t) => (t.passed ? '' : 'fail'),
    );
    setHidden(this.thresholds.element, thresholds.length === 0);
    setHidden(this.thresholdsEmpty, thresholds.length > 0);
    setText(this.thresholdsEmpty, haveNumbers ? 'This test has no thresholds.' : 'No results yet.');
  }

  private renderEndpoints(endpoints: EndpointMetrics[]): void {
    this.endpoints.setRows(
      endpoints,
      (e) => e.name,
      (e) => [
        { text: e.name, title: e.name },
        { text: e.method },
        { text: e.url, title: e.url },
        { text: formatCount(e.total_requests) },
        { text: formatRate(e.requests_per_second) },
        { text: formatMs(e.latency_ms.p50) },
        { text: formatMs(e.latency_ms.p95) },
        { text: formatMs(e.latency_ms.p99) },
        { text: formatCount(e.failed_requests), tone: e.failed_requests > 0 ? 'fail' : '' },
        { text: formatPercent(e.error_rate), tone: e.error_rate > 0 ? 'fail' : '' },
      ],
    );
    setHidden(this.endpoints.element, endpoints.length === 0);
    setHidden(this.endpointsEmpty, endpoints.length > 0);
  }

  private renderStatusAndErrors(m: Metrics | null): void {
    const total = m?.total_requests ?? 0;
    const share = (n: number): string => (total > 0 ? formatPercent(n / total) : '—');
    const codes = Object.entries(m?.status_code_counts ?? {}).sort(([a], [b]) => a.localeCompare(b));
    this.statusCodes.setRows(
      codes,
      ([code]) => code,
      ([code, n]) => [{ text: code, tone: /^[45]/.test(code) ? 'fail' : '' }, { text: formatCount(n) }, { text: share(n) }],
    );
    setHidden(this.statusCodes.element, codes.length === 0);
    setHidden(this.statusCodesEmpty, codes.length > 0);
    const errors = Object.entries(m?.errors_by_type ?? {})
      .filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0)
      .sort((a, b) => b[1] - a[1]);
    this.errorTypes.setRows(
      errors,
      ([type]) => type,
      ([type, n]) => [{ text: type.replace(/_/g, ' '), tone: 'fail' }, { text: formatCount(n) }, { text: share(n) }],
    );
    setHidden(this.errorTypes.element, errors.length === 0);
    setHidden(this.errorTypesEmpty, errors.length > 0);
  }

  private renderSamples(filterChanged: boolean): void {
    const all = this.data?.samples ?? [];
    const indexed = all.map((sample, index) => ({ sample, index }));
    const filtered = this.ui.errorsOnly ? indexed.filter(({ sample }) => isErrorSample(sample)) : indexed;
    const shown = filtered.slice(Math.max(0, filtered.length - MAX_SAMPLE_ROWS));
    this.samples.setRows(
      shown,
      ({ index }) => String(index),
      ({ sample: s }) => [
        { text: s.endpoint, title: s.endpoint },
        { text: s.method },
        { text: pathOf(s.url), title: s.url },
        { text: s.status === null ? '—' : String(s.status), tone: isErrorSample(s) ? 'fail' : '' },
        { text: formatMs(s.latency_ms) },
        { text: s.error ?? '', tone: s.error ? 'fail' : '', title: s.error ?? '' },
      ],
      ({ sample }) => (isErrorSample(sample) ? 'fail' : ''),
    );
    const more = filtered.length > shown.length ? ` (newest ${formatCount(shown.length)} shown)` : '';
    setText(
      this.samplesCount,
      `${formatCount(filtered.length)} ${this.ui.errorsOnly ? 'failed ' : ''}sample${filtered.length === 1 ? '' : 's'}${more}`,
    );
    setHidden(this.samples.element, shown.length === 0);
    setHidden(this.samplesEmpty, shown.length > 0);
    setText(this.samplesEmpty, this.ui.errorsOnly && all.length > 0 ? 'No failed samples.' : 'No sampled requests yet.');
    let selected = this.ui.selectedSample;
    if (selected !== null && (selected >= all.length || (filterChanged && !shown.some((s) => s.index === selected)))) {
      selected = null;
    }
    this.samples.select(selected === null ? null : String(selected));
    const sample = selected === null ? null : (all[selected] ?? null);
    if (sample !== this.detailFor || sample === null) this.renderDetail(sample);
  }

  private selectSample(index: number): void {
    const all = this.data?.samples ?? [];
    if (!Number.isInteger(index) || index < 0 || index >= all.length) return;
    this.ui = { ...this.ui, selectedSample: index };
    this.actions.uiChanged(this.ui);
    this.samples.select(String(index));
    this.renderDetail(all[index]);
  }

  private renderDetail(s: SampledRequest | null): void {
    this.detailFor = s;
    if (s === null) {
      this.detail.replaceChildren(el('p', { className: 'empty', text: 'Select a sample to see its request and response.' }));
      setAttr(this.detail, 'data-empty', 'true');
      return;
    }
    setAttr(this.detail, 'data-empty', null);
    this.detail.replaceChildren(
      ...sampleDetail(s, this.data?.samples ?? [], (x) => {
        const index = (this.data?.samples ?? []).indexOf(x);
        if (index >= 0) this.selectSample(index);
      }),
    );
  }
}

function progressText(state: PanelState, data: ViewData): string {
  const run = state.run;
  const done = data.summary?.total_requests ?? 0;
  const pct = data.progress !== null ? ` (${Math.round(data.progress * 100)}%)` : '';
  const planned = run?.flow?.iterations ?? null;
  if (planned !== null) {
    const finished = (data.iterations?.completed ?? 0) + (data.iterations?.failed ?? 0);
    return `${formatCount(finished)} / ${formatCount(planned)} iterations${pct}`;
  }
  if (run?.total_requests != null) return `${formatCount(done)} / ${formatCount(run.total_requests)} requests${pct}`;
  if (run?.duration_seconds != null && data.elapsedSeconds !== null) {
    return `${formatDuration(Math.min(data.elapsedSeconds, run.duration_seconds))} / ${formatDuration(run.duration_seconds)}${pct}`;
  }
  return data.progress !== null ? `${Math.round(data.progress * 100)}%` : `${formatCount(done)} requests`;
}

