// Flows on several worker threads against a real login-then-use server on 127.0.0.1: the same
// totals as one thread (iterations, requests per step, checks, skipped steps, the timeline's
// iterations), sequential CSV rows used as often as on one thread, the open model's arrivals
// shared out, captured secrets redacted, and how flows are split and counted.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunPlan } from '../../engine/format/plan';
import type { RunResult } from '../../engine/format/result';
import { parseSpecFile, planTest } from '../../engine/run/load';
import { resolveWorkerCount, runWithWorkers, sharePlan, type PlanSource } from '../../engine/run/workers';
import { BLOCKED_USER, journeyServer, journeySpec, TOKEN_MARK, USERS, USERS_CSV, type JourneyServer } from '../fixtures/journey';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'atm-flow-workers-'));
  writeFileSync(join(dir, 'users.csv'), USERS_CSV);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function fromText(text: string): { plan: RunPlan; source: PlanSource } {
  const test = parseSpecFile(text).tests[0];
  assert.ok(test !== undefined);
  const source: PlanSource = { text, testIndex: 0, file: join(dir, 'journey.atm.yaml'), env: {} };
  const outcome = planTest(test, source);
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.message);
  return { plan: outcome.plan, source };
}

async function runJourney(load: string, workers: number): Promise<{ result: RunResult; server: JourneyServer }> {
  const server = await journeyServer();
  try {
    const { plan, source } = fromText(journeySpec(server.url, load));
    const result = await runWithWorkers(plan, { source, workers, warmCode: false });
    return { result, server };
  } finally {
    await server.close();
  }
}

/** What must not depend on how many threads ran the flow. */
function totals(result: RunResult): unknown {
  return {
    status: result.status,
    passed: result.passed,
    iterations: { ...result.iterations, per_second: undefined },
    skipped: result.skipped_steps,
    steps: result.endpoint_metrics.map((e) => [e.name, e.total_requests, e.successful_requests, e.failed_requests, e.errors_by_type]),
    checks: result.checks,
    thresholds: result.thresholds.map((t) => [t.expression, t.endpoint, t.passed]),
    timelineIterations: result.timeline.reduce((sum, p) => sum + (p.iterations ?? 0), 0),
  };
}

void describe('a flow on worker threads', { timeout: 180_000 }, () => {
  void it('login capture + use step on 2 threads: the same totals as on 1, secrets redacted', async () => {
    const load = 'iterations: 30\nconcurrency: 4';
    const one = await runJourney(load, 1);
    const two = await runJourney(load, 2);
    assert.equal(one.result.workers, 1);
    assert.equal(two.result.workers, 2);
    assert.deepEqual(totals(two.result), totals(one.result));
    // The expected numbers themselves: 6 of the 30 iterations are carol's, failed at login.
    assert.deepEqual(two.result.iterations && { ...two.result.iterations, per_second: 0 }, { started: 30, completed: 24, failed: 6, dropped: 0, per_second: 0 });
    assert.equal(two.result.skipped_steps, 6);
    assert.deepEqual(
      two.result.endpoint_metrics.map((e) => [e.name, e.total_requests]),
      [
        ['login', 30],
        ['use', 24],
      ],
    );
    assert.deepEqual(
      two.result.checks?.map((c) => [c.step, c.expression, c.passes, c.fails]),
      [
        ['login', 'status == 200', 30, 0],
        ['login', 'json $.role != "blocked"', 24, 6],
        ['use', 'status == 200', 24, 0],
        ['use', 'body contains "ok"', 24, 0],
      ],
    );
    assert.equal(two.server.uses, 24);
    assert.equal(two.result.timeline.reduce((sum, p) => sum + (p.iterations ?? 0), 0), 30);
    // Judged on the merged numbers: checks 90% holds, the failed checks make error_rate fail.
    assert.equal(two.result.passed, false);
    assert.deepEqual(
      two.result.thresholds.filter((t) => !t.passed).map((t) => t.expression),
      ['error_rate < 1%'],
    );
    // The first iterations are sampled whole, and no captured token is shown anywhere.
    assert.ok(two.result.sampled_requests.some((s) => s.iteration !== undefined && s.step_index === 1), 'a use step is sampled with its iteration');
    assert.ok(two.result.sampled_requests.some((s) => s.captured?.token === '***'));
    assert.ok(!JSON.stringify(two.result).includes(TOKEN_MARK), 'a captured secret leaked into the merged result');
  });

  void it('sequential CSV rows across 2 threads: each row used exactly as often as on one thread', async () => {
    const load = 'iterations: 23\nconcurrency: 3';
    const one = await runJourney(load, 1);
    const two = await runJourney(load, 2);
    const counts = (s: JourneyServer): number[] => USERS.map((u) => s.logins.get(u) ?? 0);
    // 23 iterations over 5 rows in turn: the first 3 rows 5 times, the others 4.
    assert.deepEqual(counts(one.server), [5, 5, 5, 4, 4]);
    assert.deepEqual(counts(two.server), counts(one.server));
    assert.equal(two.result.iterations?.failed, one.server.logins.get(BLOCKED_USER));
  });

  void it('open model on 2 threads: every arrival starts once, on one thread or the other', async () => {
    const { result, server } = await runJourney('iterations: 20\niterations_per_second: 100\nconcurrency: 4', 2);
    assert.equal(result.workers, 2);
    assert.equal(result.model, 'open');
    assert.equal((result.iterations?.started ?? 0) + (result.iterations?.dropped ?? 0), 20);
    assert.equal([...server.logins.values()].reduce((a, b) => a + b, 0), result.iterations?.started);
    assert.ok(result.timeline.every((p) => p.dropped !== undefined && p.iterations !== undefined));
  });
});

void describe('how a flow is split', () => {
  const text = journeySpec('http://127.0.0.1:1', 'iterations: 10\nconcurrency: 60');
  void it('virtual users and iterations are split with the remainder to the first shares', () => {
    const { plan } = fromText(text);
    const shares = [0, 1, 2].map((i) => sharePlan(plan, i, 3));
    assert.deepEqual(shares.map((s) => s.concurrency), [20, 20, 20]);
    assert.deepEqual(shares.map((s) => s.flow?.iterations), [4, 3, 3]);
    assert.equal(shares[0].flow?.steps, plan.flow?.steps);
  });
  void it('auto: 25 virtual users per thread, or 2,000 requests per second counting every step; never more threads than iterations', () => {
    const { plan } = fromText(text);
    const long = { ...plan, flow: { ...plan.flow!, iterations: 1000 } };
    assert.equal(resolveWorkerCount(long, 'auto', 8), 2);
    assert.equal(resolveWorkerCount({ ...long, concurrency: 20 }, 'auto', 8), 1);
    assert.equal(resolveWorkerCount({ ...long, concurrency: 10 }, 8, 8), 8);
    assert.equal(resolveWorkerCount({ ...plan, flow: { ...plan.flow!, iterations: 3 } }, 8, 8), 3);
    const open = { ...long, model: 'open' as const, flow: { ...long.flow, iterationsPerSecond: 2500 } };
    // Two steps per iteration: 5,000 requests per second.
    assert.equal(resolveWorkerCount(open, 'auto', 8), 2);
  });
});
