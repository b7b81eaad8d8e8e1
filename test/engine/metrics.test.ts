// Histograms merge exactly through their compressed base64 snapshots; errors map to stable keys.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { classifyError, decodeHistogram, encodeHistogram, mergeHistograms, newHistogram, Recorder, summarize } from '../../engine/run';
import { ERROR_TYPES } from '../../engine/format/result';

function errorWithCode(code: string, message = code): Error {
  const err = new Error(message) as Error & { code: string };
  err.code = code;
  return err;
}

void describe('histograms', () => {
  void it('snapshots decode and merge exactly', () => {
    const a = newHistogram();
    const b = newHistogram();
    const both = newHistogram();
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 20_000; i++) {
      // 1 µs .. ~90 s, log-spread, beyond the 60 s the histogram starts with.
      const value = Math.max(1, Math.round(Math.exp(random() * Math.log(90_000_000))));
      (i % 3 === 0 ? a : b).recordValue(value);
      both.recordValue(value);
    }
    const merged = mergeHistograms([encodeHistogram(a), encodeHistogram(b)]);
    assert.equal(merged.totalCount, 20_000);
    assert.deepEqual(summarize(merged), summarize(both));
    for (const p of [0, 10, 50, 90, 99, 99.9, 99.99, 100]) assert.equal(merged.getValueAtPercentile(p), both.getValueAtPercentile(p));
    assert.equal(merged.mean, both.mean);
  });

  void it('the fast recorder gives the same histogram as recordValue', () => {
    const fast = new Recorder();
    const direct = newHistogram();
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const values = [1, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 999_999, 2 ** 30 - 1, 2 ** 30, 3_000_000_000];
    for (let i = 0; i < 50_000; i++) values.push(Math.max(1, Math.round(Math.exp(random() * Math.log(4e9)))));
    values.forEach((v, i) => {
      fast.record(v);
      direct.recordValue(v);
      // Reads in between flush part of the counts: the end result must not change.
      if (i % 9973 === 0) fast.histogram();
    });
    const h = fast.histogram();
    assert.equal(h.totalCount, direct.totalCount);
    assert.equal(h.mean, direct.mean);
    for (const p of [0, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100]) assert.equal(h.getValueAtPercentile(p), direct.getValueAtPercentile(p), `p${p}`);
    assert.deepEqual(summarize(decodeHistogram(encodeHistogram(h))), summarize(direct));
    fast.reset();
    assert.equal(fast.histogram().totalCount, 0);
    fast.record(5);
    assert.equal(fast.histogram().totalCount, 1);
  });

  void it('a snapshot round-trips', () => {
    const h = newHistogram();
    for (const v of [1, 10, 100, 1000, 12_345, 60_000_000]) h.recordValue(v);
    const back = decodeHistogram(encodeHistogram(h));
    assert.equal(back.totalCount, 6);
    assert.equal(back.getValueAtPercentile(100), h.getValueAtPercentile(100));
    assert.deepEqual(summarize(back), summarize(h));
    assert.equal(back.minNonZeroValue, 1);
  });

  void it('summaries are milliseconds with microsecond resolution', () => {
    const h = newHistogram();
    h.recordValue(1500);
    h.recordValue(2500);
    const s = summarize(h);
    assert.equal(s.min, 1.5);
    assert.ok(Math.abs(s.max - 2.5) <= 0.0025, String(s.max));
    assert.ok(Math.abs(s.mean - 2) <= 0.002, String(s.mean));
    assert.deepEqual(Object.keys(s), ['min', 'mean', 'p50', 'p75', 'p90', 'p95', 'p99', 'p99_9', 'max']);
  });
});

void describe('error keys', () => {
  const cases: Array<[string, string]> = [
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
    ['UND_ERR_BODY_TIMEOUT', 'timeout'],
    ['UND_ERR_CONNECT_TIMEOUT', 'connect_timeout'],
    ['ECONNREFUSED', 'connection_refused'],
    ['ECONNRESET', 'connection_reset'],
    ['EPIPE', 'connection_reset'],
    ['UND_ERR_SOCKET', 'connection_reset'],
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
    ['CERT_HAS_EXPIRED', 'tls'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls'],
    ['UND_ERR_RES_EXCEEDED_MAX_SIZE', 'body_too_large'],
    ['UND_ERR_HEADERS_OVERFLOW', 'body_too_large'],
    ['HPE_INVALID_CONSTANT', 'socket'],
    ['ENETUNREACH', 'socket'],
    ['SOMETHING_ELSE', 'other'],
  ];
  for (const [code, key] of cases) {
    void it(`${code} → ${key}`, () => assert.equal(classifyError(errorWithCode(code)), key));
  }

  void it('looks through causes and aggregate errors', () => {
    assert.equal(classifyError(new Error('fetch failed', { cause: errorWithCode('ECONNREFUSED') })), 'connection_refused');
    assert.equal(classifyError(new AggregateError([errorWithCode('ECONNREFUSED')], 'all failed')), 'connection_refused');
    assert.equal(classifyError('a string'), 'other');
  });

  void it('every key it returns is a stable SPEC key', () => {
    for (const [, key] of cases) assert.ok((ERROR_TYPES as readonly string[]).includes(key));
  });
});
