// Registers the @vscode/webview-ui-toolkit components the panel uses.
//
// Under the panel's CSP (no 'unsafe-inline' for styles) two things in the toolkit need care:
// - FAST's focus-visible probe inserts a <style> element; it takes the nonce from
//   <meta property="csp-nonce"> (webview/html.ts renders it).
// - The badge template (vscode-badge and vscode-tag) carries a `style="${...}"` attribute binding for
//   its fill/color attributes, which the CSP blocks (style-src-attr) and reports. The panel never sets
//   those attributes, so the same template without that binding is registered instead.
import { html } from '@microsoft/fast-element';
import type { Badge as FoundationBadge } from '@microsoft/fast-foundation';
import {
  provideVSCodeDesignSystem,
  vsCodeBadge,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDataGrid,
  vsCodeDataGridCell,
  vsCodeDataGridRow,
  vsCodeDivider,
  vsCodeLink,
  vsCodePanels,
  vsCodePanelTab,
  vsCodePanelView,
  vsCodeProgressRing,
  vsCodeTag,
} from '@vscode/webview-ui-toolkit';

const badgeTemplate = () => html<FoundationBadge>`
  <template class="${(x) => (x.circular ? 'circular' : '')}">
    <div class="control" part="control">
      <slot></slot>
    </div>
  </template>
`;

export function registerToolkit(): void {
  provideVSCodeDesignSystem().register(
    vsCodeBadge({ template: badgeTemplate }),
    vsCodeButton(),
    vsCodeCheckbox(),
    vsCodeDataGrid(),
    vsCodeDataGridCell(),
    vsCodeDataGridRow(),
    vsCodeDivider(),
    vsCodeLink(),
    vsCodePanels(),
    vsCodePanelTab(),
    vsCodePanelView(),
    vsCodeProgressRing(),
    vsCodeTag({ template: badgeTemplate }),
  );
}
