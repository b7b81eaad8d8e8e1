// How many connections a run opens: `concurrency`, but never more than the requests it sends.
import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { runPlan } from '../../engine/run';
import { endpoint, ok, plan, serve, type TestServer } from './helpers';

void describe('connections', { timeout: 60_000 }, () => {
  const servers: TestServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  const counted = async (): Promise<{ server: TestServer; connections: () => number }> => {
    const server = await serve((_req, res) => ok(res));
    servers.push(server);
    let n = 0;
    server.server.on('connection', () => n++);
    return { server, connections: () => n };
  };

  void it('closed model: concurrency 500 with total_requests 5 opens at most 5 connections', async () => {
    const { server, connections } = await counted();
    const result = await runPlan(plan({ concurrency: 500, totalRequests: 5, endpoints: [endpoint({ url: `${server.url}/` })] }), { warmCode: false });
    assert.equal(result.metrics.successful_requests, 5);
    assert.ok(connections() >= 1 && connections() <= 5, `${connections()} connections`);
  });

  void it('open model: concurrency 500 with total_requests 8 opens at most 8 connections', async () => {
    const { server, connections } = await counted();
    const result = await runPlan(plan({ concurrency: 500, totalRequests: 8, requestsPerSecond: 200, endpoints: [endpoint({ url: `${server.url}/` })] }), { warmCode: false });
    assert.equal(result.metrics.successful_requests, 8);
    assert.ok(connections() >= 1 && connections() <= 8, `${connections()} connections`);
  });

  void it('a duration run opens its concurrency (there is no request count to bound it)', async () => {
    const { server, connections } = await counted();
    const result = await runPlan(plan({ concurrency: 6, durationSeconds: 0.3, endpoints: [endpoint({ url: `${server.url}/` })] }), { warmCode: false });
    assert.ok(result.metrics.successful_requests > 0);
    assert.equal(connections(), 6);
  });
});
