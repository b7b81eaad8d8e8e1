// The demo target answers deterministically.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { startDemoServer, type DemoServer } from '../../engine/demo/server';

void describe('demo server', { timeout: 20_000 }, () => {
  let demo: DemoServer;
  before(async () => {
    demo = await startDemoServer();
  });
  after(() => demo.close());

  const call = async (method: 'GET' | 'POST' | 'PUT', path: string, body?: string): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await request(`${demo.url}${path}`, { method, body, headers: body === undefined ? {} : { 'content-type': 'application/json' } });
    return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
  };

  void it('listens on loopback', () => assert.match(demo.url, /^http:\/\/127\.0\.0\.1:\d+$/));

  void it('items: list with limit, get, 404, create echoing the body', async () => {
    const list = await call('GET', '/items?limit=3');
    assert.equal(list.status, 200);
    assert.equal((list.json.items as unknown[]).length, 3);
    assert.deepEqual((await call('GET', '/items/2')).json, { id: 2, name: 'item-2', price: 14 });
    assert.equal((await call('GET', '/items/99999')).status, 404);
    const created = await call('POST', '/items', JSON.stringify({ name: 'new', color: 'red' }));
    assert.equal(created.status, 201);
    assert.equal(created.json.name, 'new');
    assert.equal(created.json.color, 'red');
    assert.equal(typeof created.json.id, 'number');
  });

  void it('flaky fails exactly the given share, deterministically', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await call('GET', '/flaky?rate=0.25')).status);
    assert.equal(statuses.filter((s) => s === 503).length, 5);
    assert.deepEqual(statuses.slice(0, 4), [200, 200, 200, 503]);
  });

  void it('slow waits the given time; echo returns method, headers and body', async () => {
    const t0 = performance.now();
    const slow = await call('GET', '/slow?ms=120');
    assert.ok(performance.now() - t0 >= 115);
    assert.deepEqual(slow.json, { slept_ms: 120 });
    const echo = await call('PUT', '/echo?x=1', '{"a":1}');
    assert.equal(echo.json.method, 'PUT');
    assert.equal(echo.json.url, '/echo?x=1');
    assert.equal(echo.json.body, '{"a":1}');
    assert.equal((echo.json.headers as Record<string, string>)['content-type'], 'application/json');
    assert.equal((await call('GET', '/health')).json.status, 'ok');
  });
});
