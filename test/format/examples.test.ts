// Every example validates with no errors or warnings, with the env the examples ship with
// (examples/.env holds a harmless demo token, so `atm run examples/... --demo` works as is).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSpecFile, resolveTest, validateText } from '../../engine/format';
import { parse } from 'yaml';
import { show } from './helpers';

const dir = join(__dirname, '..', '..', 'examples');
const files = readdirSync(dir).filter((f) => /\.atm\.ya?ml$/.test(f));
const readEnvFile = (p: string): string | null => {
  try {
    return readFileSync(join(dir, p), 'utf8');
  } catch {
    return null;
  }
};

void test('the three examples exist', () => {
  for (const f of ['quickstart.atm.yaml', 'weighted-mix.atm.yaml', 'open-model.atm.yaml']) assert.ok(files.includes(f), f);
});

for (const file of files) {
  void test(`${file} validates clean and resolves to a plan`, () => {
    const text = readFileSync(join(dir, file), 'utf8');
    assert.deepEqual(validateText(text, { env: {}, readEnvFile }).map(show), []);
    for (const t of parseSpecFile(text).tests) {
      const plan = resolveTest(t.spec!, { file, env: {}, readEnvFile, baseUrlOverride: 'http://127.0.0.1:45678' });
      // A flow's steps render with an iteration's captures and data row.
      const flow = plan.flow;
      const ctx = {
        requestIndex: 0,
        captures: new Map((flow?.steps ?? []).flatMap((s) => s.captures.map((c): [string, string] => [c.name, '1']))),
        data: flow?.data ? new Map(flow.data.columns.map((c, i): [string, string] => [c, flow.data!.rows[0]![i]!])) : undefined,
      };
      for (const e of plan.endpoints) assert.match(e.url.render(ctx), /^http:\/\/127\.0\.0\.1:45678\//);
    }
  });
}

void test('the weighted example takes its token from examples/.env and redacts it', () => {
  const text = readFileSync(join(dir, 'weighted-mix.atm.yaml'), 'utf8');
  const plan = resolveTest(parseSpecFile(text).tests[0]!.spec!, { file: 'weighted-mix.atm.yaml', env: {}, readEnvFile });
  assert.equal(plan.distribution, 'weighted');
  assert.ok(plan.secrets.includes('demo-token-not-a-secret'));
  const auth = plan.endpoints[0]!.headers.find(([n]) => n === 'Authorization')!;
  assert.equal(auth[1].render({ requestIndex: 0 }), 'Bearer demo-token-not-a-secret');
});

void test('the scheduled CI example: its spec validates without errors or warnings, its workflow runs atm with a baseline and keeps the reports', () => {
  const spec = readFileSync(join(dir, 'ci', 'nightly.atm.yaml'), 'utf8');
  const problems = validateText(spec, { env: {}, readEnvFile }).filter((d) => d.severity === 'error' || d.severity === 'warning');
  assert.deepEqual(problems.map(show), []);
  const plan = resolveTest(parseSpecFile(spec).tests[0]!.spec!, { file: 'nightly.atm.yaml', env: {}, readEnvFile });
  assert.ok(plan.thresholds.some((t) => t.baseline !== undefined));

  const workflow = parse(readFileSync(join(dir, 'ci', 'github-actions.yml'), 'utf8')) as {
    on: { schedule: Array<{ cron: string }> };
    jobs: Record<string, { steps: Array<{ run?: string; uses?: string; with?: Record<string, string> }> }>;
  };
  assert.ok(workflow.on.schedule[0].cron.split(' ').length === 5);
  const steps = Object.values(workflow.jobs)[0].steps;
  const run = steps.map((s) => s.run ?? '').find((r) => r.includes(' run examples/ci/nightly.atm.yaml'));
  assert.ok(run !== undefined);
  for (const flag of ['--baseline atm-baseline.json', '--junit atm-report.xml', '--html atm-report.html', '--json atm-result.json']) assert.ok(run.includes(flag), flag);
  const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact'));
  assert.match(upload?.with?.path ?? '', /atm-report\.html/);
});
