// The results panel's entry (bundled to dist/webview.js). Messages from the extension are
// validated, folded into the state, persisted with setState, and rendered at most 4 times a second.
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { describeMessage, isExtensionMessage, type ExtensionMessage, type PanelMessage } from './protocol';
import { closeCompare, initialState, isPanelState, reduce, upgradeState, type PanelState } from './state';
import { baselineMessages } from './headerActions';
import { registerToolkit } from './toolkit';
import { initialUi, PanelView, type UiState } from './view';

interface VsCodeApi {
  postMessage(message: PanelMessage): void;
  getState(): unknown;
  setState(state: PersistedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface PersistedState {
  panel: PanelState;
  ui: UiState;
}

/** Live renders at most this often. */
const RENDER_INTERVAL_MS = 250;
/** Persisting a big state costs a serialization; live changes are saved at most this often. */
const PERSIST_INTERVAL_MS = 1000;

registerToolkit();

const vscode = acquireVsCodeApi();

function restore(): PersistedState {
  const saved = vscode.getState();
  if (typeof saved === 'object' && saved !== null) {
    const { panel, ui } = saved as Partial<PersistedState>;
    if (isPanelState(panel)) return { panel: upgradeState(panel), ui: { ...initialUi(), ...(ui ?? {}) } };
  }
  return { panel: initialState(), ui: initialUi() };
}

const restored = restore();
let state = restored.panel;
let ui = restored.ui;

function log(level: 'warn' | 'error', message: string): void {
  console[level](`[atm panel] ${message}`);
  vscode.postMessage({ type: 'log', level, message });
}

let persistTimer: ReturnType<typeof setTimeout> | undefined;
function persistNow(): void {
  if (persistTimer !== undefined) clearTimeout(persistTimer);
  persistTimer = undefined;
  try {
    vscode.setState({ panel: state, ui });
  } catch (err) {
    log('error', `could not save the panel state: ${err instanceof Error ? err.message : String(err)}`);
  }
}
function persistSoon(): void {
  persistTimer ??= setTimeout(persistNow, PERSIST_INTERVAL_MS);
}

const root = document.getElementById('app');
if (root === null) throw new Error('the panel document has no #app element');

const view = new PanelView(
  root,
  {
    stop: () => {
      if (state.run === null || state.phase !== 'running') return;
      vscode.postMessage({ type: 'stop', runId: state.run.runId });
      apply({ type: 'stopping', runId: state.run.runId });
    },
    rerun: () => vscode.postMessage({ type: 'rerun' }),
    openSpec: () => vscode.postMessage({ type: 'openSpec' }),
    uiChanged: (next) => {
      ui = next;
      persistSoon();
    },
    ...baselineMessages(() => state, (message) => vscode.postMessage(message)),
    closeCompare: () => {
      const next = closeCompare(state);
      if (next === state) return;
      state = next;
      scheduleRender(true);
      persistNow();
    },
  },
  ui,
);

let lastRender = -Infinity;
let frame: number | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;
let renderedState: PanelState | null = null;

function renderNow(): void {
  frame = undefined;
  if (state === renderedState) return;
  const start = performance.now();
  try {
    view.render(state);
  } catch (err) {
    log('error', `render failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  renderedState = state;
  lastRender = performance.now();
  // uPlot draws in a microtask after setData: the measure ends after it, so it counts the drawing.
  queueMicrotask(() => {
    performance.measure('atm-render', { start, end: performance.now() });
    trimMeasures();
  });
}

let measures = 0;
/** User-timing entries are never dropped by the browser; a long run must not pile them up. */
function trimMeasures(): void {
  if (++measures < 2000) return;
  measures = 0;
  performance.clearMeasures('atm-render');
  performance.clearMeasures('atm-message');
}

/** Renders on the next frame, or once RENDER_INTERVAL_MS has passed since the last render. */
function scheduleRender(urgent: boolean): void {
  if (frame !== undefined) return;
  const wait = urgent ? 0 : RENDER_INTERVAL_MS - (performance.now() - lastRender);
  if (wait <= 0) {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    frame = requestAnimationFrame(renderNow);
  } else {
    timer ??= setTimeout(() => {
      timer = undefined;
      if (frame === undefined) frame = requestAnimationFrame(renderNow);
    }, wait);
  }
}

function apply(msg: ExtensionMessage): void {
  const next = reduce(state, msg);
  if (next === state) return;
  state = next;
  const live = msg.type === 'progress' || msg.type === 'sample';
  scheduleRender(!live);
  if (live) persistSoon();
  else persistNow();
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const start = performance.now();
  const data = event.data;
  if (!isExtensionMessage(data)) {
    log('warn', `dropped a malformed ${describeMessage(data)}`);
    return;
  }
  apply(data);
  performance.measure('atm-message', { start, end: performance.now() });
  trimMeasures();
});

renderNow();
vscode.postMessage({ type: 'ready' });
