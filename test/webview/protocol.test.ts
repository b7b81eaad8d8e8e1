// The panel's DOM-free parts in node: message validators, the HTML and its CSP, number formats,
// and how messages change the panel state.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { renderPanelHtml, escapeHtml } from '../../webview/html';
import { isExtensionMessage, isPanelMessage, type ExtensionMessage } from '../../webview/protocol';
import { formatCount, formatDuration, formatMs, formatPercent, formatRate, formatThresholdActual, splitThreshold } from '../../webview/format';
import { chartsNote, initialState, reduce, statusOf, viewData, MAX_LIVE_SAMPLES } from '../../webview/state';
import {
  cancelledResult,
  engineFailedResult,
  failedThresholdsResult,
  hostileResult,
  manyEndpointsResult,
  passedResult,
  runningSequence,
  sample,
} from '../fixtures/webview/runs';
import { loadRecorded, RECORDED_NAMES, RECORDED_PORT, RECORDED_SECRET, recordedText } from '../fixtures/webview/recorded';

void describe('webview protocol validators', () => {
  void it('accepts every fixture message', () => {
    const { messages } = runningSequence();
    for (const m of messages) assert.ok(isExtensionMessage(m), m.type);
    for (const r of [passedResult(), failedThresholdsResult(), cancelledResult(), engineFailedResult(), manyEndpointsResult(), hostileResult()]) {
      assert.ok(isExtensionMessage({ type: 'result', result: r }), r.name);
      assert.ok(isExtensionMessage({ type: 'init', run: null, result: r, running: false, canRerun: true }), r.name);
    }
    assert.ok(isExtensionMessage({ type: 'error', runId: null, message: 'boom' }));
    assert.ok(isExtensionMessage({ type: 'stopping', runId: 'r' }));
  });

  void it('rejects malformed extension messages', () => {
    const good = passedResult();
    const bad: unknown[] = [
      undefined,
      null,
      42,
      'result',
      [],
      {},
      { type: 'unknown' },
      { type: 'result' },
      { type: 'result', result: { ...good, status: 'exploded' } },
      { type: 'result', result: { ...good, metrics: { ...good.metrics, error_rate: '1%' } } },
      { type: 'result', result: { ...good, thresholds: [{ expression: 'p95 < 1', endpoint: null, actual: 'x', passed: true }] } },
      { type: 'result', result: { ...good, sampled_requests: [{ ...sample(), response_headers: { a: 1 } }] } },
      { type: 'result', result: { ...good, timeline: [{ t: 1 }] } },
      { type: 'sample', runId: 'r', sample: { ...sample(), latency_ms: Number.NaN } },
      { type: 'sample', sample: sample() },
      { type: 'progress', update: { runId: 'r' } },
      { type: 'error', runId: 'r' },
      { type: 'init', run: null, result: null },
      { type: 'runStarted', run: { runId: 'r', name: 'n' } },
    ];
    for (const m of bad) assert.equal(isExtensionMessage(m), false, JSON.stringify(m)?.slice(0, 120));
  });

  void it('validates panel messages', () => {
    for (const m of [{ type: 'ready' }, { type: 'stop', runId: 'r' }, { type: 'rerun' }, { type: 'openSpec' }, { type: 'log', level: 'warn', message: 'x' }]) {
      assert.ok(isPanelMessage(m), m.type);
    }
    for (const m of [null, { type: 'stop' }, { type: 'log', level: 'info', message: 'x' }, { type: 'run' }]) {
      assert.equal(isPanelMessage(m), false, JSON.stringify(m));
    }
  });
});

void describe('renderPanelHtml', () => {
  const nonce = randomBytes(18).toString('base64');
  const html = renderPanelHtml({
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
    styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.css',
    cspSource: "'self' https://*.vscode-cdn.net",
    nonce,
    title: '<script>alert(1)</script> & "x"',
  });

  void it('sets a CSP that allows only the nonce and the webview source', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    assert.equal(
      csp,
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'self' https://*.vscode-cdn.net 'nonce-${nonce}'; font-src 'self' https://*.vscode-cdn.net; img-src 'self' https://*.vscode-cdn.net`,
    );
    assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
  });

  void it('nonces every script and escapes the title', () => {
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    assert.equal(scripts.length, 1);
    assert.ok(scripts.every((s) => s.includes(`nonce="${nonce}"`)));
    assert.ok(html.includes('<title>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;</title>'));
    assert.ok(html.includes(`<meta property="csp-nonce" content="${nonce}">`));
    assert.equal(escapeHtml(`<a href='x'>&</a>`), '&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
  });

  void it('refuses a weak nonce and a cspSource that would add directives', () => {
    const base = { scriptUri: 's', styleUri: 'c', cspSource: 'x', title: 't' };
    assert.throws(() => renderPanelHtml({ ...base, nonce: 'abc' }));
    assert.throws(() => renderPanelHtml({ ...base, nonce: "abcdefghijklmnop'; script-src *" }));
    assert.throws(() => renderPanelHtml({ ...base, nonce, cspSource: "x; script-src 'unsafe-inline'" }));
    assert.throws(() => renderPanelHtml({ ...base, nonce, cspSource: 'x\nscript-src *' }));
    // A quote cannot end the attribute early.
    assert.ok(renderPanelHtml({ ...base, nonce, cspSource: 'x" onload="y' }).includes('x&quot; onload=&quot;y'));
    assert.throws(() => renderPanelHtml({ ...base, nonce, preludeScripts: ['</script><script>1'] }));
  });
});

void describe('panel number formats', () => {
  void it('formats like the tiles show them', () => {
    assert.equal(formatCount(1204), '1,204');
    assert.equal(formatMs(38.24), '38.2 ms');
    assert.equal(formatMs(0.4213), '0.42 ms');
    assert.equal(formatMs(1234), '1.23 s');
    assert.equal(formatPercent(0.005), '0.5%');
    assert.equal(formatPercent(0), '0%');
    assert.equal(formatPercent(0.12), '12%');
    assert.equal(formatPercent(0.0004), '0.04%');
    assert.equal(formatRate(199.84), '199.8');
    assert.equal(formatRate(1204.31), '1,204.3');
    assert.equal(formatDuration(12.34), '12.3 s');
    assert.equal(formatDuration(0.021), '0.02 s');
    assert.equal(formatDuration(0), '0.00 s');
    assert.equal(formatDuration(65.2), '1:05');
    assert.equal(formatDuration(3725), '1:02:05');
    assert.equal(formatMs(Number.NaN), '—');
  });

  void it('splits thresholds and formats their actual value in the metric unit', () => {
    assert.deepEqual(splitThreshold('p99.9 <= 1.5s'), { metric: 'p99.9', op: '<=', limit: '1.5s' });
    assert.deepEqual(splitThreshold('error_rate<1%'), { metric: 'error_rate', op: '<', limit: '1%' });
    assert.equal(splitThreshold('nonsense'), null);
    assert.equal(formatThresholdActual('p95 < 200ms', 231.44), '231.4 ms');
    assert.equal(formatThresholdActual('error_rate < 1%', 0.014), '1.4%');
    assert.equal(formatThresholdActual('rps >= 150', 199.81), '199.8 req/s');
    assert.equal(formatThresholdActual('dropped == 0', 412), '412');
    // Shares as percentages, and latency metrics over iterations or phases in milliseconds.
    assert.equal(formatThresholdActual('checks > 99%', 0.99), '99%');
    assert.equal(formatThresholdActual('iteration_duration p95 < 2s', 61.5), '61.5 ms');
    assert.equal(formatThresholdActual('ttfb p99 < 50ms', 12.34), '12.3 ms');
    assert.equal(formatThresholdActual('p95 < 200ms', null), '—');
  });
});

void describe('panel state', () => {
  const fold = (messages: ExtensionMessage[]) => messages.reduce(reduce, initialState());

  void it('follows a live run and ends with its result', () => {
    const { run, messages } = runningSequence();
    let s = fold(messages);
    assert.equal(statusOf(s), 'running');
    assert.equal(s.run?.runId, run.runId);
    assert.equal(s.timeline.length, 8);
    assert.equal(s.samples.length, 2);
    assert.equal(s.canRerun, true);
    s = reduce(s, { type: 'stopping', runId: run.runId });
    assert.equal(statusOf(s), 'stopping');
    const r = { ...cancelledResult(), id: run.runId };
    s = reduce(s, { type: 'result', result: r });
    assert.equal(statusOf(s), 'cancelled');
    const v = viewData(s);
    assert.equal(v.summary, r.metrics);
    // The result had no samples: the live ones stay.
    assert.equal(v.samples.length, 2);
  });

  void it('ignores messages of another run and stale seconds', () => {
    const { run, messages } = runningSequence();
    const s = fold(messages);
    const progress = messages.find((m) => m.type === 'progress');
    assert.ok(progress?.type === 'progress');
    assert.equal(reduce(s, { type: 'progress', update: { ...progress.update, runId: 'other' } }), s);
    assert.equal(reduce(s, { type: 'sample', runId: 'other', sample: sample() }), s);
    assert.equal(reduce(s, { type: 'progress', update: progress.update }), s, 'second 1 again after second 8');
    assert.equal(reduce(s, { type: 'error', runId: 'other', message: 'x' }), s);
    assert.equal(statusOf(reduce(s, { type: 'error', runId: run.runId, message: 'x' })), 'error');
    const done = reduce(s, { type: 'result', result: { ...passedResult(), id: run.runId } });
    assert.equal(statusOf(done), 'passed');
    assert.equal(reduce(done, { type: 'error', runId: run.runId, message: 'late' }), done);
  });

  void it('bounds the live samples', () => {
    const { run, messages } = runningSequence();
    let s = fold(messages.slice(0, 1));
    for (let i = 0; i < MAX_LIVE_SAMPLES + 20; i++) s = reduce(s, { type: 'sample', runId: run.runId, sample: sample({ latency_ms: i }) });
    assert.equal(s.samples.length, MAX_LIVE_SAMPLES);
    assert.equal(s.samples[0].latency_ms, 20);
  });

  void it('maps results to the status badge', () => {
    const show = (result: ReturnType<typeof passedResult>) =>
      statusOf(reduce(initialState(), { type: 'init', run: null, result, running: false, canRerun: false }));
    assert.equal(show(passedResult()), 'passed');
    assert.equal(show(failedThresholdsResult()), 'failed');
    assert.equal(show(cancelledResult()), 'cancelled');
    assert.equal(show(engineFailedResult()), 'error');
  });

  void it('marks a run that vanished while the panel was away', () => {
    const { messages } = runningSequence();
    const s = reduce(fold(messages), { type: 'init', run: null, result: null, running: false, canRerun: true });
    assert.equal(statusOf(s), 'error');
    assert.match(s.errorMessage ?? '', /ended while the panel was away/);
  });
});

void describe('recorded real runs', () => {
  const fold = (messages: ExtensionMessage[]) => messages.reduce(reduce, initialState());
  const expected = { quickstart: 'passed', passed: 'passed', 'failed-thresholds': 'failed', cancelled: 'cancelled' } as const;

  for (const name of RECORDED_NAMES) {
    void it(`${name}: valid messages in run order, nothing of the recording machine, ends ${expected[name]}`, () => {
      const rec = loadRecorded(name);
      assert.match(rec.recorded.date, /^\d{4}-\d{2}-\d{2}$/);
      assert.equal(rec.recorded.engine_protocol, 1);
      for (const [i, m] of rec.messages.entries()) assert.ok(isExtensionMessage(m), `message ${i} (${m.type})`);
      const first = rec.messages[0];
      assert.ok(first.type === 'runStarted');
      assert.equal(rec.result.id, first.run.runId);
      assert.equal(rec.messages.filter((m) => m.type === 'runStarted' || m.type === 'result').length, 2);
      const text = recordedText(name);
      const ports = new Set([...text.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1])));
      assert.deepEqual([...ports], [RECORDED_PORT]);
      assert.equal(text.includes(RECORDED_SECRET), false, 'the token is redacted');
      assert.doesNotMatch(text, /"\/(?:tmp|home|root|work)\//, 'no absolute path of the recording machine');
      const s = fold(rec.messages);
      assert.equal(statusOf(s), expected[name]);
      assert.equal(viewData(s).summary, rec.result.metrics);
    });
  }

  void it('the passed run echoed its Authorization header back, and both show ***', () => {
    const rec = loadRecorded('passed');
    const echo = rec.result.sampled_requests.find((x) => x.endpoint === 'echo');
    assert.ok(echo, 'an echo sample');
    assert.equal(echo.request_headers.Authorization ?? echo.request_headers.authorization, '***');
    assert.match(echo.response_body ?? '', /\*\*\*/);
  });

  void it('the cancelled run was stopped while it ran, and says so', () => {
    const rec = loadRecorded('cancelled');
    const stopping = rec.messages.findIndex((m) => m.type === 'stopping');
    assert.ok(stopping > 1, 'stopping after some progress');
    assert.equal(rec.result.status, 'cancelled');
    assert.ok(rec.result.metrics.duration_seconds < 60, 'ended before its 60 s');
  });
});

void describe('charts note for short runs', () => {
  const fold = (messages: ExtensionMessage[]) => messages.reduce(reduce, initialState());

  void it('the quickstart is over before its first progress update: one point, a note with its length', () => {
    const rec = loadRecorded('quickstart');
    assert.equal(rec.messages.filter((m) => m.type === 'progress').length, 0);
    assert.equal(rec.result.timeline.length, 1);
    const s = fold(rec.messages);
    const note = chartsNote(s, viewData(s));
    assert.equal(note, `This run took ${rec.result.metrics.duration_seconds.toFixed(2)} s: too short for charts, which plot one point per second. The totals above cover the whole run.`);
  });

  void it('a live run gets the note until its second point, then the charts', () => {
    const rec = loadRecorded('passed');
    const progress = rec.messages.filter((m) => m.type === 'progress');
    assert.ok(progress.length >= 2);
    let s = fold(rec.messages.slice(0, 1));
    assert.match(chartsNote(s, viewData(s)) ?? '', /^Charts appear once the run has 2 seconds of data/);
    s = reduce(s, progress[0]);
    assert.match(chartsNote(s, viewData(s)) ?? '', /^Charts appear once/);
    s = reduce(s, progress[1]);
    assert.equal(chartsNote(s, viewData(s)), null);
    s = fold(rec.messages);
    assert.equal(chartsNote(s, viewData(s)), null);
  });

  void it('no note before any run, and a plain one for a long run with too few points', () => {
    const idle = initialState();
    assert.equal(chartsNote(idle, viewData(idle)), null);
    const r = { ...passedResult(), timeline: passedResult().timeline.slice(0, 1) };
    const s = reduce(idle, { type: 'init', run: null, result: r, running: false, canRerun: true });
    assert.ok(r.metrics.duration_seconds >= 2);
    assert.equal(chartsNote(s, viewData(s)), 'Too few timeline points to chart; the totals above cover the whole run.');
  });
});

void describe('panel sources', () => {
  void it('never parse strings as HTML', () => {
    const dir = resolve(__dirname, '..', '..', 'webview');
    const offenders: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'html.ts')) {
      const code = readFileSync(join(dir, file), 'utf8').replace(/\/\/.*$/gm, '');
      for (const pattern of [/\.innerHTML\b/, /\.outerHTML\b/, /insertAdjacentHTML/, /document\.write/, /\beval\(/, /new Function\(/, /createContextualFragment/, /DOMParser/]) {
        if (pattern.test(code)) offenders.push(`${file}: ${pattern}`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});
