// `atm kubernetes`: the manifests' shape, and the pods' command lines run locally as processes
// with the Indexed Job's environment, their logs merged by `atm merge --from-logs -`.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Job } from 'kubernetes-types/batch/v1';
import type { ConfigMap, Secret } from 'kubernetes-types/core/v1';
import { parseAllDocuments } from 'yaml';
import { IMAGE_CLI, SPEC_DIR } from '../../engine/cli/kubernetes';
import type { RunResult } from '../../engine/format/result';
import { ok, serve, type TestServer } from '../engine/helpers';
import { journeyServer, journeySpec, USERS, USERS_CSV, type JourneyServer } from '../fixtures/journey';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function node(args: string[], env: NodeJS.ProcessEnv = process.env, input = ''): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/**
 * Runs the Job's pods as local processes: the ConfigMap as they see it (its keys, or the volume's
 * items at their paths) mounted at `mount` in place of SPEC_DIR, the Indexed Job's environment.
 */
async function runPods(configMap: ConfigMap, job: Job, mount: string, count: number, extraEnv: NodeJS.ProcessEnv = {}): Promise<Outcome[]> {
  const data = configMap.data ?? {};
  const items = job.spec!.template.spec!.volumes?.[0]?.configMap?.items ?? Object.keys(data).map((key) => ({ key, path: key }));
  for (const item of items) {
    mkdirSync(dirname(join(mount, item.path)), { recursive: true });
    writeFileSync(join(mount, item.path), data[item.key] ?? '');
  }
  const container = job.spec!.template.spec!.containers[0]!;
  return Promise.all(
    [...Array(count).keys()].map((index) => {
      const env: NodeJS.ProcessEnv = { ...process.env, JOB_COMPLETION_INDEX: String(index), ...extraEnv };
      // What the kubelet does: $(VAR) from the container's environment; the image's CLI is ours.
      const args = (container.args ?? []).map((a) => a.replace(/\$\((\w+)\)/g, (_m, name: string) => env[name] ?? '').replace(SPEC_DIR, mount));
      return node([cli, ...args], env);
    }),
  );
}

void describe('atm kubernetes', { timeout: 120_000 }, () => {
  let dir: string;
  let server: TestServer;
  let spec: string;
  let docs: unknown[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'atm-k8s-'));
    server = await serve((_req, res) => ok(res));
    spec = join(dir, 'items.atm.yaml');
    writeFileSync(
      spec,
      `name: items\nbase_url: ${server.url}\nurl: /items\nheaders:\n  Authorization: "Bearer {{env:API_TOKEN}}"\nconcurrency: 4\ntotal_requests: 400\nthresholds:\n  - p99 < 5s\n`,
    );
    writeFileSync(join(dir, '.env'), 'API_TOKEN=token-for-tests\n');
    const out = await node([cli, 'kubernetes', spec, '--pods', '3', '--namespace', 'load', '--image', 'registry.example/atm:1', '--start-in', '3']);
    assert.equal(out.code, 0, out.stderr);
    docs = parseAllDocuments(out.stdout).map((d) => d.toJS() as unknown);
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('prints a ConfigMap with the spec, a Secret template and an Indexed Job of N pods', () => {
    assert.equal(docs.length, 3);
    const [configMap, secret, job] = docs as [ConfigMap, Secret, Job];
    assert.equal(configMap.kind, 'ConfigMap');
    assert.ok(configMap.data?.['spec.atm.yaml']?.includes('total_requests: 400'));
    assert.equal(configMap.data?.['.env'], undefined, 'no .env without --include-env');
    assert.equal(secret.kind, 'Secret');
    assert.deepEqual(Object.keys(secret.stringData ?? {}), ['API_TOKEN']);
    assert.equal(secret.stringData?.API_TOKEN, '', 'a template: values are filled in by the user');
    assert.equal(job.kind, 'Job');
    assert.equal(job.apiVersion, 'batch/v1');
    assert.equal(job.metadata?.namespace, 'load');
    assert.equal(job.spec?.completionMode, 'Indexed');
    assert.equal(job.spec?.completions, 3);
    assert.equal(job.spec?.parallelism, 3);
    const pod = job.spec?.template.spec;
    assert.equal(pod?.restartPolicy, 'Never');
    const container = pod?.containers[0];
    assert.equal(container?.image, 'registry.example/atm:1');
    assert.deepEqual(container?.command, ['node', IMAGE_CLI]);
    const args = container?.args ?? [];
    assert.equal(args[args.indexOf('--shard') + 1], '$(JOB_COMPLETION_INDEX)/3');
    assert.match(args[args.indexOf('--start-at') + 1] ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.equal(container?.envFrom?.[0]?.secretRef?.name, secret.metadata?.name);
    assert.equal(pod?.volumes?.[0]?.configMap?.name, configMap.metadata?.name);
    assert.equal(container?.volumeMounts?.[0]?.mountPath, SPEC_DIR);
  });

  void it("the pods' command lines, run as processes with the Job's environment, merge into the whole run", async () => {
    const [configMap, , job] = docs as [ConfigMap, Secret, Job];
    const pods = await runPods(configMap, job, join(dir, 'mount'), 3, { API_TOKEN: 'token-for-tests' });
    pods.forEach((pod, k) => assert.equal(pod.code, 0, `pod ${k}: ${pod.stderr}`));
    assert.equal(server.count, 400);
    const logs = pods.map((p, k) => p.stdout.split('\n').map((l) => `[pod/items-${k}] ${l}`).join('\n')).join('\n');
    const mergedFile = join(dir, 'merged.json');
    const merged = await node([cli, 'merge', '--from-logs', '-', '--json', mergedFile], process.env, logs);
    assert.equal(merged.code, 0, merged.stderr);
    const result = JSON.parse(readFileSync(mergedFile, 'utf8')) as RunResult;
    assert.equal(result.metrics.total_requests, 400);
    assert.equal(result.merged_from?.length, 3);
    assert.equal(result.passed, true);
  });

  void it('refuses bad input with the reason', async () => {
    const noPods = await node([cli, 'kubernetes', spec]);
    assert.equal(noPods.code, 2);
    assert.match(noPods.stderr, /--pods N is required/);
    const badTest = await node([cli, 'kubernetes', spec, '--pods', '2', '--test', 'nope']);
    assert.equal(badTest.code, 2);
    assert.match(badTest.stderr, /no test named 'nope'/);
    const withEnv = await node([cli, 'kubernetes', spec, '--pods', '2', '--include-env']);
    assert.equal(withEnv.code, 0);
    assert.match(withEnv.stderr, /warning: .*\.env is in the ConfigMap in plain text/);
    assert.match(withEnv.stdout, /API_TOKEN=token-for-tests/);
  });
});

void describe('atm kubernetes for a flow', { timeout: 120_000 }, () => {
  let dir: string;
  let server: JourneyServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'atm-k8s-flow-'));
    server = await journeyServer();
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('the CSV travels with the spec, at its path, and the pods run the flow as shards', async () => {
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'users.csv'), USERS_CSV);
    const spec = join(dir, 'journey.atm.yaml');
    writeFileSync(spec, journeySpec(server.url, 'iterations: 20\nconcurrency: 4').replace('file: users.csv', 'file: data/users.csv'));
    const out = await node([cli, 'kubernetes', spec, '--pods', '2', '--start-in', '3']);
    assert.equal(out.code, 0, out.stderr);
    const [configMap, , job] = parseAllDocuments(out.stdout).map((d) => d.toJS() as unknown) as [ConfigMap, Secret, Job];
    const items = job.spec?.template.spec?.volumes?.[0]?.configMap?.items ?? [];
    const csv = items.find((i) => i.path === 'data/users.csv');
    assert.ok(csv !== undefined, JSON.stringify(items));
    assert.equal(configMap.data?.[csv.key], USERS_CSV);
    assert.ok(items.some((i) => i.key === 'spec.atm.yaml' && i.path === 'spec.atm.yaml'));

    const pods = await runPods(configMap, job, join(dir, 'mount'), 2);
    pods.forEach((pod, k) => assert.ok(pod.code === 0 || pod.code === 1, `pod ${k}: ${pod.stderr}`));
    assert.deepEqual(USERS.map((u) => server.logins.get(u)), [4, 4, 4, 4, 4]);
    const mergedFile = join(dir, 'merged.json');
    const merged = await node([cli, 'merge', '--from-logs', '-', '--json', mergedFile], process.env, pods.map((p) => p.stdout).join('\n'));
    assert.equal(merged.code, 1, merged.stderr);
    const result = JSON.parse(readFileSync(mergedFile, 'utf8')) as RunResult;
    assert.deepEqual(result.iterations && { ...result.iterations, per_second: 0 }, { started: 20, completed: 16, failed: 4, dropped: 0, per_second: 0 });

    // A CSV above the spec's folder has no place in the pods' mount: refused, with the reason.
    mkdirSync(join(dir, 'specs'));
    writeFileSync(join(dir, 'specs', 'outside.atm.yaml'), journeySpec(server.url, 'iterations: 2').replace('file: users.csv', 'file: ../data/users.csv'));
    const outside = await node([cli, 'kubernetes', join(dir, 'specs', 'outside.atm.yaml'), '--pods', '2']);
    assert.equal(outside.code, 2);
    assert.match(outside.stderr, /data file \.\.\/data\/users\.csv is outside the spec's folder/);
  });
});
