// The panel header's baseline controls for a finished run: the Baseline tag when it is the pinned
// run of its test, Pin as Baseline / Unpin Baseline, and Compare with…, with the messages they send.
import { el, setAttr, setHidden, setText } from './dom';
import type { PanelMessage } from './protocol';
import type { PanelState } from './state';

export interface BaselineActions {
  pinBaseline(): void;
  unpinBaseline(): void;
  compareWith(): void;
}

/** The actions as messages to the extension, about the shown run once it is done (else nothing). */
export function baselineMessages(current: () => PanelState, post: (message: PanelMessage) => void): BaselineActions {
  const send = (type: 'pinBaseline' | 'unpinBaseline' | 'compareWith'): void => {
    const state = current();
    if (state.result !== null && state.phase === 'done') post({ type, runId: state.result.id });
  };
  return {
    pinBaseline: () => send('pinBaseline'),
    unpinBaseline: () => send('unpinBaseline'),
    compareWith: () => send('compareWith'),
  };
}

export class BaselineControls {
  readonly tag = el('vscode-tag', {
    testid: 'baseline-tag',
    className: 'baseline-tag',
    text: 'Baseline',
    attrs: { title: 'This run is the pinned baseline of its test: runs of the test compare with it' },
  });
  readonly pinButton = el('vscode-button', { testid: 'pin-button', text: 'Pin as Baseline', attrs: { appearance: 'secondary' } });
  readonly compareButton = el('vscode-button', { testid: 'compare-button', text: 'Compare with…', attrs: { appearance: 'secondary' } });

  constructor(actions: BaselineActions) {
    this.pinButton.addEventListener('click', () => {
      if (this.pinButton.hasAttribute('disabled')) return;
      if (this.pinButton.getAttribute('data-action') === 'unpin') actions.unpinBaseline();
      else actions.pinBaseline();
    });
    this.compareButton.addEventListener('click', () => {
      if (!this.compareButton.hasAttribute('disabled')) actions.compareWith();
    });
  }

  render(state: PanelState): void {
    const result = state.phase === 'done' ? state.result : null;
    const b = result !== null && state.baseline?.runId === result.id ? state.baseline : null;
    const pinned = b?.pinned === true;
    setHidden(this.tag, !pinned);
    setHidden(this.pinButton, b === null || (!pinned && !b.canPin));
    setText(this.pinButton, pinned ? 'Unpin Baseline' : 'Pin as Baseline');
    setAttr(this.pinButton, 'data-action', pinned ? 'unpin' : 'pin');
    setAttr(
      this.pinButton,
      'title',
      pinned ? 'Runs of this test stop comparing with this run' : 'Runs of this test compare with this run (a baseline: in the spec wins)',
    );
    // A run the engine could not finish has no numbers to compare.
    setHidden(this.compareButton, result === null || result.status === 'failed');
    setAttr(this.compareButton, 'title', 'Compare this run with its baseline or another run of this test');
  }
}
