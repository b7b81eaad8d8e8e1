// What the panel is told when a run starts: the extension and the fixture recorder both build it
// with runStartedInfo, from the test's spec.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { runStartedInfo } from '../../client/format';

const run = { runId: 'r1', name: 'Items', file: 'api/items.atm.yaml', startedAt: new Date('2026-11-30T01:02:03.000Z') };

void describe('runStartedInfo', () => {
  void it('an open-model test: its rate and duration, no request count', () => {
    assert.deepEqual(runStartedInfo({ requests_per_second: 60, duration_seconds: 5, total_requests: 999 }, run), {
      runId: 'r1',
      name: 'Items',
      file: 'api/items.atm.yaml',
      model: 'open',
      target_rps: 60,
      total_requests: null,
      duration_seconds: 5,
      started_at: '2026-11-30T01:02:03.000Z',
    });
  });

  void it('a closed-model test: its request count, or the default 100 when it names none', () => {
    const counted = runStartedInfo({ total_requests: 300, concurrency: 10 }, run);
    assert.equal(counted.model, 'closed');
    assert.equal(counted.target_rps, null);
    assert.equal(counted.total_requests, 300);
    assert.equal(counted.duration_seconds, null);
    assert.equal(runStartedInfo({}, run).total_requests, 100);
    assert.equal(runStartedInfo({ total_requests: 'many' }, run).total_requests, 100);
  });

  void it('a flow: its iterations (default 10) or duration, and its iteration rate for the open model', () => {
    const steps = [{ name: 'login', url: 'http://127.0.0.1:1/login' }];
    const closed = runStartedInfo({ steps, iterations: 40, concurrency: 4 }, run);
    assert.equal(closed.model, 'closed');
    assert.equal(closed.total_requests, null, 'a flow has no request count');
    assert.deepEqual(closed.flow, { iterations: 40, iterations_per_second: null });
    assert.deepEqual(runStartedInfo({ steps }, run).flow, { iterations: 10, iterations_per_second: null });
    const open = runStartedInfo({ steps, iterations_per_second: 5, duration_seconds: 30 }, run);
    assert.equal(open.model, 'open');
    assert.equal(open.target_rps, null);
    assert.equal(open.duration_seconds, 30);
    assert.deepEqual(open.flow, { iterations: null, iterations_per_second: 5 });
  });
});
