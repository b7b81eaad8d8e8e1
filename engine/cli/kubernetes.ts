// `atm kubernetes FILE [--test NAME] --pods N [--image IMG] [--namespace NS] [--include-env]
// [--start-in S]` (SPEC.md): prints a ConfigMap with the spec, a Secret template for the
// environment it reads, and an Indexed Job whose pods each run one shard and print its result
// line, for `kubectl logs ... | atm merge --from-logs -`. Kubernetes does the distributing.
import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, normalize, resolve } from 'node:path';
import type { Job } from 'kubernetes-types/batch/v1';
import type { ConfigMap, Secret } from 'kubernetes-types/core/v1';
import { stringify } from 'yaml';
import { parseSpecFile } from '../format';
import { EXIT } from './exit';

const USAGE = 'Usage: atm kubernetes FILE [--test NAME] --pods N [--image IMG] [--namespace NS] [--include-env] [--start-in SECONDS]';
export const DEFAULT_IMAGE = 'api-test-machine:latest';
/** Where the ConfigMap is mounted in the pods. */
export const SPEC_DIR = '/atm';
/** The CLI in the image (Dockerfile). */
export const IMAGE_CLI = '/app/dist/cli.js';
const DEFAULT_START_IN_SECONDS = 120;

export interface KubernetesOptions {
  file: string;
  text: string;
  test: string | null;
  pods: number;
  image: string;
  namespace: string | null;
  /** The .env text to put in the ConfigMap, or null. */
  env: string | null;
  /** Flows' CSV data files, each at its path relative to the spec (as `data: {file}` names it). */
  dataFiles?: Array<{ path: string; text: string }>;
  /** When the shards start (epoch ms): the same for every pod. */
  startAt: number;
}

/** A DNS-1123 name from the test or file name. */
function nameOf(text: string): string {
  const slug = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  return `atm-${slug || 'run'}`;
}

/** Every `{{env:NAME}}` the spec reads: the keys the Secret template lists. */
export function envNames(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/\{\{\s*env:([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)) names.add(m[1]);
  return [...names].sort();
}

export function manifests(o: KubernetesOptions): { configMap: ConfigMap; secret: Secret; job: Job } {
  const name = nameOf(o.test ?? basename(o.file).replace(/\.atm\.ya?ml$/i, ''));
  const metadata = (suffix: string): { name: string; namespace?: string; labels: Record<string, string> } => ({
    name: `${name}${suffix}`,
    ...(o.namespace !== null ? { namespace: o.namespace } : {}),
    labels: { 'app.kubernetes.io/name': 'api-test-machine', 'atm/run': name },
  });
  const specKey = 'spec.atm.yaml';
  const data: Record<string, string> = { [specKey]: o.text };
  if (o.env !== null) data['.env'] = o.env;
  // A ConfigMap key cannot hold a '/': data files get keys of their own, mounted at their paths
  // (listing the items mounts only those listed, so the spec and .env are listed too).
  const items = Object.keys(data).map((key) => ({ key, path: key }));
  (o.dataFiles ?? []).forEach((f, i) => {
    const key = `data-${i}-${basename(f.path).replace(/[^-._a-zA-Z0-9]/g, '_')}`;
    data[key] = f.text;
    items.push({ key, path: f.path });
  });
  const configMap: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata('-spec'), data };
  const secret: Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadata('-env'),
    type: 'Opaque',
    stringData: Object.fromEntries(envNames(o.text).map((n) => [n, ''])),
  };
  const args = ['run', `${SPEC_DIR}/${specKey}`];
  if (o.test !== null) args.push('--test', o.test);
  // Kubernetes expands $(JOB_COMPLETION_INDEX) from the pod's environment (set by the Indexed Job).
  args.push('--shard', `$(JOB_COMPLETION_INDEX)/${o.pods}`, '--start-at', new Date(o.startAt).toISOString(), '--quiet');
  const job: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata(''),
    spec: {
      completionMode: 'Indexed',
      completions: o.pods,
      parallelism: o.pods,
      backoffLimit: 0,
      template: {
        metadata: { labels: { 'atm/run': name } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'atm',
              image: o.image,
              command: ['node', IMAGE_CLI],
              args,
              envFrom: [{ secretRef: { name: `${name}-env`, optional: true } }],
              volumeMounts: [{ name: 'spec', mountPath: SPEC_DIR, readOnly: true }],
            },
          ],
          volumes: [{ name: 'spec', configMap: { name: `${name}-spec`, ...(o.dataFiles?.length ? { items } : {}) } }],
        },
      },
    },
  };
  return { configMap, secret, job };
}

export function kubernetesCommand(argv: string[]): number {
  let file: string | null = null;
  let test: string | null = null;
  let pods: number | null = null;
  let image = DEFAULT_IMAGE;
  let namespace: string | null = null;
  let includeEnv = false;
  let startIn = DEFAULT_START_IN_SECONDS;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => argv[++i] ?? '';
    switch (arg) {
      case '--test':
        test = value();
        if (test === '') return usage('--test needs a test name');
        break;
      case '--pods': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 10_000) return usage(`--pods needs a whole number from 1 to 10000, not '${v}'`);
        pods = Number(v);
        break;
      }
      case '--image':
        image = value();
        if (image === '') return usage('--image needs an image name');
        break;
      case '--namespace':
        namespace = value();
        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) return usage(`--namespace needs a Kubernetes name (lower-case letters, digits, '-'), not '${namespace}'`);
        break;
      case '--include-env':
        includeEnv = true;
        break;
      case '--start-in': {
        const v = value();
        if (!/^\d+$/.test(v)) return usage(`--start-in needs whole seconds, not '${v}'`);
        startIn = Number(v);
        break;
      }
      default:
        if (arg.startsWith('-')) return usage(`unknown option '${arg}'`);
        if (file !== null) return usage('atm kubernetes takes one FILE');
        file = arg;
    }
  }
  if (file === null) return usage('a spec FILE is required');
  if (pods === null) return usage('--pods N is required (the number of shards, one pod each)');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    process.stderr.write(`atm kubernetes: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.USAGE;
  }
  const parsed = parseSpecFile(text);
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    for (const d of errors) process.stderr.write(`${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: error: ${d.message}\n`);
    return EXIT.USAGE;
  }
  if (test !== null && !parsed.tests.some((t) => t.name === test)) {
    process.stderr.write(`atm kubernetes: no test named '${test}' in ${file}. Tests: ${parsed.tests.map((t) => t.name ?? '?').join(', ')}\n`);
    return EXIT.USAGE;
  }
  let env: string | null = null;
  if (includeEnv) {
    const envFile = resolve(dirname(file), '.env');
    try {
      env = readFileSync(envFile, 'utf8');
      process.stderr.write(`atm kubernetes: warning: ${envFile} is in the ConfigMap in plain text; secrets belong in the Secret (fill it in instead)\n`);
    } catch {
      process.stderr.write(`atm kubernetes: --include-env: no .env beside ${file}\n`);
      return EXIT.USAGE;
    }
  }
  const dataFiles = readDataFiles(file, parsed.tests.filter((t) => test === null || t.name === test).map((t) => t.spec?.data?.file));
  if (typeof dataFiles === 'string') {
    process.stderr.write(`atm kubernetes: ${dataFiles}\n`);
    return EXIT.USAGE;
  }
  const startAt = Date.now() + startIn * 1000;
  const m = manifests({ file, text, test, pods, image, namespace, env, startAt, dataFiles });
  process.stderr.write(
    `atm kubernetes: the pods start the run at ${new Date(startAt).toISOString()} (in ${startIn} s; --start-in to change); apply before then\n`,
  );
  process.stdout.write([m.configMap, m.secret, m.job].map((doc) => stringify(doc)).join('---\n'));
  return EXIT.OK;
}

/** The flows' CSV files, read relative to the spec, to travel with it; or why one cannot. */
function readDataFiles(file: string, paths: ReadonlyArray<string | undefined>): Array<{ path: string; text: string }> | string {
  const out: Array<{ path: string; text: string }> = [];
  for (const written of new Set(paths.filter((p): p is string => p !== undefined))) {
    const path = normalize(written);
    if (isAbsolute(path) || path === '..' || path.startsWith('../')) {
      return `the data file ${written} is outside the spec's folder, where the pods would not find it: move it beside the spec`;
    }
    try {
      out.push({ path, text: readFileSync(resolve(dirname(file), path), 'utf8') });
    } catch (err) {
      return `cannot read the data file ${written}: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  return out;
}

function usage(message: string): number {
  process.stderr.write(`atm kubernetes: ${message}\n${USAGE}\n`);
  return EXIT.USAGE;
}
