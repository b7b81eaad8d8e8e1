// The panel's layout at ordinary panel widths in real Chromium: the Samples, Steps, Checks and
// compare tables show their values whole (the full URL on hover and in the detail), no tile's
// subtitle is cut, and the page never scrolls sideways. Screenshots in test-results/webview/ (layout-*), looked at by a person.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { ExtensionMessage } from '../../webview/protocol';
import type { RunResult } from '../../engine/format/result';
import { buildCompareData } from '../../client/compareData';
import { fastRun, slowRun } from '../fixtures/webview/compare';
import { flowResult } from '../fixtures/webview/flows';
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

/** How far the page is wider than the panel (0 or less: it never scrolls sideways). */
async function pageOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document;
    return d.documentElement.scrollWidth - d.documentElement.clientWidth;
  });
}

/** Elements (by selector) that end beyond the panel's right edge. */
async function offScreen(page: Page, selector: string, width: number): Promise<string[]> {
  return page
    .locator(selector)
    .evaluateAll((list: Array<{ getBoundingClientRect(): { right: number; width: number }; textContent: string | null }>, w: number) =>
      list.filter((e) => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().right > w).map((e) => `${(e.textContent ?? '').trim()} ends at ${e.getBoundingClientRect().right}px`),
    width);
}

void describe('flow and compare layout in Chromium', () => {
  for (const width of [500, 900]) {
    void it(`shows the Steps and Checks tables whole in a ${width}px panel`, async () => {
      const r = flowResult();
      const p = await openPanel(browser, server.origin, 'dark', width);
      await p.send({ type: 'init', run: null, result: r, running: false, canRerun: true } satisfies ExtensionMessage);
      await waitForText(p.page, 'run-status', r.passed ? 'passed' : 'failed');
      await p.page.getByTestId('check-row').first().waitFor();
      assert.deepEqual(await cutCells(p.page, 'Checks', [1, 2, 3, 4, 5]), [], `Checks cells cut in a ${width}px panel`);
      const subsCut = await p.page
        .locator('.tile-sub')
        .evaluateAll((subs) => subs.filter((s) => s.scrollWidth > s.clientWidth).map((s) => `${s.textContent ?? ''} (${s.scrollWidth} > ${s.clientWidth}px)`));
      assert.deepEqual(subsCut, [], `tile subtitles cut in a ${width}px panel`);
      await screenshot(p.page, `layout-flow-overview-${width}`);

      await p.page.locator('vscode-panel-tab#tab-endpoints').click();
      await p.page.locator('vscode-panel-view#view-endpoints').waitFor({ state: 'visible' });
      const rows = p.page.getByTestId('step-row');
      await rows.first().waitFor();
      assert.equal(await rows.count(), r.endpoint_metrics.length);
      // Every column, header and values, whole: the table scrolls sideways inside itself if it must.
      assert.deepEqual(await cutCells(p.page, 'Steps', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), [], `Steps cells cut in a ${width}px panel`);
      const names = await rows.evaluateAll((list: Array<{ children: ArrayLike<{ textContent: string | null }> }>) => list.map((row) => row.children[1]?.textContent ?? ''));
      assert.deepEqual(names, r.endpoint_metrics.map((e) => e.name));
      assert.ok((await pageOverflow(p.page)) <= 0, 'the page scrolls sideways');
      const firstCell = await rows.first().locator('vscode-data-grid-cell').first().boundingBox();
      assert.ok(firstCell !== null && firstCell.x >= 0, `the # column is off screen: ${JSON.stringify(firstCell)}`);
      // The last column can be scrolled to: the grid scrolls, the page does not.
      const grid = await p.page.locator('vscode-data-grid[aria-label="Steps"]').evaluate((g) => ({ scroll: g.scrollWidth, client: g.clientWidth }));
      if (width >= 900) assert.ok(grid.scroll <= grid.client, `the Steps table does not fit ${width}px: ${JSON.stringify(grid)}`);
      await screenshot(p.page, `layout-flow-steps-${width}`);
      if (grid.scroll > grid.client) {
        // Scrolled to its last column, the table still names each row's step at its left edge.
        await p.page.locator('vscode-data-grid[aria-label="Steps"]').evaluate((g) => {
          g.scrollLeft = g.scrollWidth;
        });
        const lastHeader = await p.page.locator('vscode-data-grid[aria-label="Steps"] vscode-data-grid-cell[cell-type="columnheader"][grid-column="10"]').boundingBox();
        assert.ok(lastHeader !== null && lastHeader.x + lastHeader.width <= width, `the last column is out of reach: ${JSON.stringify(lastHeader)}`);
        const name = await rows.nth(1).locator('vscode-data-grid-cell[grid-column="2"]').boundingBox();
        assert.ok(name !== null && name.x >= 0 && name.x < 60, `the step name scrolled away: ${JSON.stringify(name)}`);
        await screenshot(p.page, `layout-flow-steps-${width}-scrolled`);
      }
      await p.close();
    });

    void it(`shows the compare view readable in a ${width}px panel`, async () => {
      const p = await openPanel(browser, server.origin, 'dark', width);
      await p.send({ type: 'init', run: null, result: slowRun(), running: false, canRerun: true } satisfies ExtensionMessage);
      await waitForText(p.page, 'run-status', 'passed');
      await p.send({ type: 'baselineState', runId: 'run-slow', pinned: true, canPin: true } satisfies ExtensionMessage);
      await p.send({ type: 'compare', data: buildCompareData(fastRun(), slowRun(), { a: 'baseline 2026-12-04 07:00:00', b: 'this run 2026-12-04 07:10:00' }) } satisfies ExtensionMessage);
      await p.page.getByTestId('compare-view').waitFor({ state: 'visible' });
      await p.page.getByTestId('compare-endpoint-row').first().waitFor();
      await p.page.locator('[data-testid="compare-view"] canvas').nth(2).waitFor();
      // The header's buttons and tag stay inside the panel (they wrap below the name when narrow).
      assert.deepEqual(await offScreen(p.page, '.header vscode-button, .header vscode-tag, .compare-bar vscode-button', width), []);
      for (const grid of ['Percentiles compared', 'Baseline thresholds', 'Endpoints compared']) {
        const columns = grid === 'Endpoints compared' ? [1, 2, 3, 4, 5, 6] : grid === 'Baseline thresholds' ? [1, 2, 3, 4, 5] : [1, 2, 3, 4];
        assert.deepEqual(await cutCells(p.page, grid, columns), [], `${grid} cells cut in a ${width}px panel`);
      }
      const tileText = await p.page
        .locator('.compare-tiles .tile-value, .compare-tiles .tile-sub, .compare-tiles .tile-delta')
        .evaluateAll((list) => list.filter((s) => s.scrollWidth > s.clientWidth).map((s) => `${s.textContent ?? ''} (${s.scrollWidth} > ${s.clientWidth}px)`));
      assert.deepEqual(tileText, [], `compare tiles cut in a ${width}px panel`);
      // Each chart is as wide as its column, never wider than the panel.
      assert.deepEqual(await offScreen(p.page, '[data-testid="compare-view"] canvas', width), []);
      assert.ok((await pageOverflow(p.page)) <= 0, 'the page scrolls sideways');
      await screenshot(p.page, `layout-compare-${width}`);
      await p.close();
    });
  }
});
