// A threshold written by name in the test's `thresholds` (`- slow: p50 < 20ms`) is judged,
// reported and compared exactly as the same threshold written on that step or endpoint: runs
// against a real server on 127.0.0.1 whose `/slow` answers after 60 ms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpecFile, resolveTest } from '../../engine/format';
import type { RunPlan } from '../../engine/format/plan';
import type { RunResult } from '../../engine/format/result';
import { judgeAgainst } from '../../engine/compare/compare';
import { runPlan } from '../../engine/run/run';
import { serve, type TestServer } from './helpers';

function planOf(yaml: string, server: TestServer): RunPlan {
  const t = parseSpecFile(`name: scoped\nbase_url: ${server.url}\n${yaml}`).tests[0]!;
  assert.deepEqual(
    t.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
    [],
    'the spec should be valid',
  );
  return resolveTest(t.spec!, { file: 'scoped.atm.yaml', env: {} });
}

const run = (plan: RunPlan): Promise<RunResult> => runPlan(plan, { warmCode: false });

/** What the verdict says, without what differs from run to run (the measured values). */
function verdict(r: RunResult): unknown {
  return {
    passed: r.passed,
    thresholds: r.thresholds.map((t) => ({ expression: t.expression, endpoint: t.endpoint, passed: t.passed })),
    reasons: r.failure_reasons.map((reason) => reason.replace(/was [\d.]+ ?\w*/, 'was N')),
  };
}

function slowServer(): Promise<TestServer> {
  return serve((req, res) => {
    const answer = (): void => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    };
    if (req.url?.startsWith('/slow')) setTimeout(answer, 60);
    else answer();
  });
}

void test('endpoints: a scoped threshold fails and passes the run as the same threshold on the endpoint does', async () => {
  const server = await slowServer();
  try {
    const shape = 'total_requests: 8\nconcurrency: 2\n';
    const onEndpoint = await run(
      planOf(`endpoints:\n  - name: fast\n    url: /fast\n    thresholds: [p95 < 5s]\n  - name: slow\n    url: /slow\n    thresholds: [p50 < 20ms]\n${shape}`, server),
    );
    const scoped = await run(
      planOf(`endpoints:\n  - name: fast\n    url: /fast\n  - name: slow\n    url: /slow\n${shape}thresholds:\n  - fast: p95 < 5s\n  - slow: p50 < 20ms\n`, server),
    );
    assert.equal(onEndpoint.passed, false, 'the slow endpoint takes 60 ms, over 20 ms');
    assert.deepEqual(verdict(scoped), verdict(onEndpoint));
    const slow = scoped.thresholds.find((t) => t.endpoint === 'slow')!;
    assert.ok(slow.actual !== null && slow.actual >= 50, `judged on the slow endpoint's own p50: ${String(slow.actual)}`);

    const passing = await run(planOf(`endpoints:\n  - name: fast\n    url: /fast\n  - name: slow\n    url: /slow\n${shape}thresholds:\n  - slow: [p50 > 20ms, error_rate < 1%]\n`, server));
    assert.equal(passing.passed, true, JSON.stringify(passing.failure_reasons));
    assert.deepEqual(
      passing.thresholds.map((t) => [t.endpoint, t.expression, t.passed]),
      [
        ['slow', 'p50 > 20ms', true],
        ['slow', 'error_rate < 1%', true],
      ],
    );
  } finally {
    await server.close();
  }
});

void test('steps: a scoped threshold is judged as the same threshold on the step, beside the step own', async () => {
  const server = await slowServer();
  try {
    const shape = 'iterations: 4\nconcurrency: 2\n';
    const onStep = await run(planOf(`steps:\n  - name: login\n    url: /fast\n  - name: orders\n    url: /slow\n    thresholds: [max < 5s, p50 < 20ms]\n${shape}`, server));
    const scoped = await run(planOf(`steps:\n  - name: login\n    url: /fast\n  - name: orders\n    url: /slow\n    thresholds: [max < 5s]\n${shape}thresholds:\n  - orders: p50 < 20ms\n`, server));
    assert.equal(onStep.passed, false);
    assert.deepEqual(verdict(scoped), verdict(onStep));
  } finally {
    await server.close();
  }
});

void test('compare: a scoped baseline threshold is judged against the same endpoint of the baseline', async () => {
  const server = await slowServer();
  try {
    const yaml = 'endpoints:\n  - name: fast\n    url: /fast\n  - name: slow\n    url: /slow\ntotal_requests: 8\nconcurrency: 2\nthresholds:\n  - slow: p50 < baseline * 100\n';
    const a = await run(planOf(yaml, server));
    const b = await run(planOf(yaml, server));
    const judged = judgeAgainst(b, a);
    assert.deepEqual(
      judged.thresholds.map((t) => [t.endpoint, t.expression, t.passed]),
      [['slow', 'p50 < baseline * 100', true]],
    );
    assert.ok(judged.thresholds[0]!.baseline !== null && judged.thresholds[0]!.baseline! >= 50, 'the baseline is the slow endpoint of A');
  } finally {
    await server.close();
  }
});
