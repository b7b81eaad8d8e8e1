// The panel's layout at ordinary panel widths in real Chromium: the Samples table shows each
// sample's endpoint and path whole (the full URL on hover and in the detail), and no tile's
// subtitle is cut. Screenshots in test-results/webview/ (layout-*), looked at by a person.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { ExtensionMessage } from '../../webview/protocol';
import type { RunResult } from '../../engine/format/result';
import { manyEndpointsResult, passedResult } from '../fixtures/webview/runs';
import { buildWebview, launchChromium, openPanel, screenshot, startPanelServer, waitForText, type PanelServer } from './harness';

let server: PanelServer;
let browser: Browser;

before(async () => {
  buildWebview();
  server = await startPanelServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Cells of the given columns (1-based) of a grid whose content is wider than the cell. */
async function cutCells(page: Page, grid: string, columns: number[]): Promise<string[]> {
  const selector = columns.map((c) => `vscode-data-grid[aria-label="${grid}"] vscode-data-grid-cell[grid-column="${c}"]`).join(', ');
  return page
    .locator(selector)
    .evaluateAll((cells) => cells.filter((c) => c.scrollWidth > c.clientWidth).map((c) => `${c.textContent ?? ''} (${c.scrollWidth} > ${c.clientWidth}px)`));
}

/** A result whose samples have a long endpoint name and a long path, as a real API has. */
function longNamesResult(): RunResult {
  const base = passedResult();
  return {
    ...base,
    id: 'run-long-names',
    sampled_requests: base.sampled_requests.map((s, i) => ({
      ...s,
      endpoint: i === 0 ? 'list-invoices-for-customer' : s.endpoint,
      url: i === 0 ? 'http://127.0.0.1:3000/api/v2/customers/8f14e45f/invoices?status=open&page=12' : s.url,
    })),
  };
}

void describe('results panel layout in Chromium', () => {
  for (const width of [500, 900]) {
    void it(`shows each sample's endpoint and path whole in a ${width}px panel`, async () => {
      // The closed model's Dropped tile says why it shows no drops.
      const closed: RunResult = { ...longNamesResult(), id: 'run-closed', model: 'closed' };
      for (const r of [manyEndpointsResult(), longNamesResult(), closed]) {
        const p = await openPanel(browser, server.origin, 'dark', width);
        await p.send({ type: 'init', run: null, result: r, running: false, canRerun: true } satisfies ExtensionMessage);
        await waitForText(p.page, 'run-status', r.passed ? 'passed' : 'failed');

        const tilesCut = await p.page
          .locator('.tile-sub')
          .evaluateAll((subs) => subs.filter((s) => s.scrollWidth > s.clientWidth).map((s) => `${s.textContent ?? ''} (${s.scrollWidth} > ${s.clientWidth}px)`));
        assert.deepEqual(tilesCut, [], `tile subtitles cut in a ${width}px panel`);
        const dropped = await p.page.locator('.tile', { has: p.page.getByTestId('metric-dropped') }).locator('.tile-sub').textContent();
        assert.equal(dropped, r.model === 'open' ? 'due but not sent' : 'none: closed model');

        await p.page.locator('vscode-panel-tab#tab-samples').click();
        await p.page.locator('vscode-panel-view#view-samples').waitFor({ state: 'visible' });
        const rows = p.page.getByTestId('sample-row');
        await rows.first().waitFor();
        // Each row: the endpoint as named, the path with its query, the full URL in the title.
        const shown = await rows.evaluateAll((list) =>
          list.map((row) => {
            const cells = Array.from(row.children as ArrayLike<{ textContent: string | null; getAttribute(name: string): string | null }>);
            return { endpoint: cells[0]?.textContent ?? '', path: cells[2]?.textContent ?? '', title: cells[2]?.getAttribute('title') ?? '' };
          }),
        );
        const samples = r.sampled_requests.slice(-shown.length);
        assert.equal(shown.length, samples.length);
        shown.forEach((row, i) => {
          const url = new URL(samples[i].url);
          assert.deepEqual(row, { endpoint: samples[i].endpoint, path: `${url.pathname}${url.search}`, title: samples[i].url });
        });
        // Every column but the error (whole in the detail) shows its values and header whole.
        const cut = await cutCells(p.page, 'Sampled requests', [1, 2, 3, 4, 5]);
        assert.deepEqual(cut, [], `cells cut in a ${width}px panel`);
        // The table may scroll inside itself; the page never does.
        const overflow = await p.page.evaluate(() => {
          const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document;
          return d.documentElement.scrollWidth - d.documentElement.clientWidth;
        });
        assert.ok(overflow <= 0, `the page is ${overflow}px wider than the panel`);

        // The detail has the full URL.
        await rows.first().click();
        await waitForText(p.page, 'sample-request-line', `${samples[0].method} ${samples[0].url}`);
        // Only the table scrolls sideways: the tabs, the table's first column and the detail stay in view.
        const tabs = await p.page.locator('vscode-panels').evaluate((t) => ({ scroll: t.scrollWidth, client: t.clientWidth, left: t.scrollLeft }));
        assert.ok(tabs.scroll <= tabs.client && tabs.left === 0, `the tabs scroll sideways as one: ${JSON.stringify(tabs)}`);
        const firstCell = await rows.first().locator('vscode-data-grid-cell').first().boundingBox();
        assert.ok(firstCell !== null && firstCell.x >= 0, `the endpoint column is off screen: ${JSON.stringify(firstCell)}`);
        await screenshot(p.page, `layout-${r.id}-samples-${width}`);
        await p.close();
      }
    });
  }
});
