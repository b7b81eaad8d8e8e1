// The one table of the extension's commands: ids, titles, icons and where they show. It holds
// data only (no 'vscode') so a unit test can check it against package.json contributes. The ids
// the language server's CodeLenses invoke come from server/protocol.ts, where both sides read them.
import { RUN_ALL_TESTS_COMMAND, RUN_TEST_COMMAND } from '../server/protocol';

export const CATEGORY = 'ATM';

/** Context keys the extension sets (used in the when clauses below). */
export const CONTEXT_KEYS = {
  /** Some run is going. */
  running: 'atm.running',
  /** A run finished in this window, so atm.rerunLast has something to rerun. */
  hasLastRun: 'atm.hasLastRun',
} as const;

export const VIEW_CONTAINER_ID = 'atm';
export const RUNS_VIEW_ID = 'atm.runs';
/** contextValue of a run in the ATM Runs view (for its context menu). */
export const RUN_ITEM_CONTEXT = 'atmRun';
/** contextValue of the run pinned as its test's baseline. */
export const PINNED_RUN_ITEM_CONTEXT = 'atmRunPinned';

export interface CommandInfo {
  id: string;
  title: string;
  /** A codicon id, shown as `$(id)` in menus. */
  icon?: string;
  /**
   * The command palette's when clause; `false` keeps a command out of the palette (it needs
   * arguments only a lens or a view item gives).
   */
  palette: string | false;
}

const ATM_EDITOR = 'editorLangId == atm-yaml';
/** A run item, pinned or not. */
const ANY_RUN_ITEM = `viewItem =~ /^${RUN_ITEM_CONTEXT}/`;

export const COMMANDS = [
  { id: RUN_TEST_COMMAND, title: 'Run Test', icon: 'play', palette: ATM_EDITOR },
  { id: RUN_ALL_TESTS_COMMAND, title: 'Run All Tests in File', icon: 'run-all', palette: ATM_EDITOR },
  { id: 'atm.cancelRun', title: 'Stop Run', icon: 'debug-stop', palette: CONTEXT_KEYS.running },
  { id: 'atm.rerunLast', title: 'Rerun Last Test', icon: 'debug-rerun', palette: CONTEXT_KEYS.hasLastRun },
  { id: 'atm.showResults', title: 'Show Results', icon: 'graph', palette: 'true' },
  { id: 'atm.openRunHistory', title: 'Open Run History', icon: 'history', palette: 'true' },
  { id: 'atm.clearRunHistory', title: 'Clear Run History', icon: 'clear-all', palette: 'true' },
  { id: 'atm.newSpec', title: 'New Load Test Spec', icon: 'new-file', palette: 'true' },
  { id: 'atm.history.open', title: 'Open Run Results', icon: 'graph', palette: false },
  { id: 'atm.history.openSpec', title: 'Open Spec', icon: 'go-to-file', palette: false },
  { id: 'atm.history.exportJson', title: 'Export Result as JSON…', icon: 'export', palette: false },
  { id: 'atm.history.pinBaseline', title: 'Pin as Baseline', icon: 'pinned', palette: false },
  { id: 'atm.history.unpinBaseline', title: 'Unpin Baseline', icon: 'pin', palette: false },
  { id: 'atm.history.exportHtml', title: 'Export HTML Report…', icon: 'file-code', palette: false },
  { id: 'atm.history.delete', title: 'Delete Run', icon: 'trash', palette: false },
] as const satisfies readonly CommandInfo[];

export type CommandId = (typeof COMMANDS)[number]['id'];

export interface MenuEntry {
  command: CommandId;
  when?: string;
  group?: string;
}

/** Where commands show outside the palette (package.json contributes.menus, minus the palette). */
export const MENUS: Record<string, readonly MenuEntry[]> = {
  'editor/title': [
    { command: RUN_TEST_COMMAND, when: `resourceLangId == atm-yaml && !${CONTEXT_KEYS.running}`, group: 'navigation' },
    { command: 'atm.cancelRun', when: `resourceLangId == atm-yaml && ${CONTEXT_KEYS.running}`, group: 'navigation' },
  ],
  'view/title': [
    { command: 'atm.showResults', when: `view == ${RUNS_VIEW_ID}`, group: 'navigation' },
    { command: 'atm.clearRunHistory', when: `view == ${RUNS_VIEW_ID}`, group: 'navigation' },
  ],
  'view/item/context': [
    { command: 'atm.history.openSpec', when: `view == ${RUNS_VIEW_ID} && ${ANY_RUN_ITEM}`, group: 'inline' },
    { command: 'atm.history.open', when: `view == ${RUNS_VIEW_ID} && ${ANY_RUN_ITEM}`, group: '1_open@1' },
    { command: 'atm.history.openSpec', when: `view == ${RUNS_VIEW_ID} && ${ANY_RUN_ITEM}`, group: '1_open@2' },
    { command: 'atm.history.exportJson', when: `view == ${RUNS_VIEW_ID} && ${ANY_RUN_ITEM}`, group: '2_export@1' },
    { command: 'atm.history.exportHtml', when: `view == ${RUNS_VIEW_ID} && ${ANY_RUN_ITEM}`, group: '2_export@2' },
    { command: 'atm.history.pinBaseline', when: `view == ${RUNS_VIEW_ID} && viewItem == ${RUN_ITEM_CONTEXT}`, group: '3_baseline' },
    { command: 'atm.history.unpinBaseline', when: `view == ${RUNS_VIEW_ID} && viewItem == ${PINNED_RUN_ITEM_CONTEXT}`, group: '3_baseline' },
    { command: 'atm.history.delete', when: `view == ${RUNS_VIEW_ID} && ${ANY_RUN_ITEM}`, group: '4_delete' },
  ],
};

/** The `contributes.commands` entries the table implies. */
export function contributedCommands(): Array<{ command: string; title: string; category: string; icon?: string }> {
  return COMMANDS.map((c) => ({
    command: c.id,
    title: c.title,
    category: CATEGORY,
    ...('icon' in c && c.icon ? { icon: `$(${c.icon})` } : {}),
  }));
}

/** The `contributes.menus.commandPalette` entries the table implies. */
export function paletteMenu(): Array<{ command: string; when: string }> {
  return COMMANDS.map((c) => ({ command: c.id, when: c.palette === false ? 'false' : c.palette }));
}
