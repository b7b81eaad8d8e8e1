// The `flows` section of `npm run bench`: what a flow costs against plain requests, side by side
// against nginx, alternating A B A B so that the machine's drift cancels in each round's ratio.
//  1. a one-step flow with no capture vs the same request as `url` (goal: ≥ 0.9×, at most 10% cost);
//  2. a three-step flow with a JSON capture on a 2 KB body vs three plain endpoints in turn
//     (round_robin, the same requests without the flow) (goal: ≥ 0.8× the requests/s).
// Beside requests/s, requests per CPU-second (start-up taken off) are compared, which depend less
// on what else the machine is doing. For the capture, what reading and parsing the 2 KB body costs
// by itself is measured in this process: the plain endpoints drain that body unread, so the flow
// can never be cheaper than three plain requests plus that, which bounds the ratio.
import { parseCapture } from '../engine/format/flow';
import { Answer, RunnableCapture } from '../engine/run/checks';
import { runEngine, type LoadResult } from './loadgens';
import { fmt, median, table } from './stats';
import { JSON_2K, type Target } from './targets';

export interface FlowPair {
  label: string;
  goal_ratio: number;
  rounds: Array<{ plain: LoadResult; flow: LoadResult; ratio: number | null; cpu_ratio: number | null }>;
  median_ratio: number | null;
  /** The median of the per-round ratios of requests per CPU-second (start-up taken off). */
  median_cpu_ratio: number | null;
  /** CPU seconds of a run of a handful of requests (start-up, code warm-up), plain and flow. */
  startup_cpu_seconds: { plain: number | null; flow: number | null };
  /** The capture's own work and the ratio it leaves at best (the three-step pair only). */
  ceiling: CaptureCeiling | null;
}

export interface CaptureCeiling {
  /** CPU µs to decode the 2 KB body, parse it as JSON and take `$.id`, as the engine does for the capture. */
  capture_us: number;
  /** CPU µs of one plain request (the median of the plain runs' requests per CPU-second). */
  plain_request_us: number | null;
  /** 3 plain requests / (3 plain requests + the capture): the best flow/plain ratio the capture allows. */
  ratio: number | null;
}

export interface FlowsReport {
  target: string;
  connections: number;
  duration_seconds: number;
  pairs: FlowPair[];
}

interface FlowsOptions {
  rounds: number;
  duration: number;
  connections: number;
}

interface PairSpec {
  label: string;
  goal: number;
  steps: number;
  capture: boolean;
  plain: (shape: string) => string;
  flow: (shape: string) => string;
}

function specs(base: string): PairSpec[] {
  const origin = base.replace(/\/$/, '');
  return [
    {
      label: 'one-step flow, no capture vs the same request as url',
      goal: 0.9,
      steps: 1,
      capture: false,
      plain: (shape) => `name: url\nurl: ${origin}/\n${shape}`,
      flow: (shape) => `name: one step\nsteps:\n  - name: hello\n    url: ${origin}/\n${shape}`,
    },
    {
      label: 'three-step flow, JSON capture on a 2 KB body vs three endpoints in turn',
      goal: 0.8,
      steps: 3,
      capture: true,
      plain: (shape) =>
        `name: endpoints\nbase_url: ${origin}\nendpoints:\n  - { name: a, url: /json2k }\n  - { name: b, url: "/json2k?id=4242" }\n  - { name: c, url: /json2k }\n` +
        `distribution_strategy: round_robin\n${shape}`,
      flow: (shape) =>
        `name: three steps\nbase_url: ${origin}\nsteps:\n  - name: a\n    url: /json2k\n    capture: { id: json $.id }\n` +
        `  - { name: b, url: "/json2k?id={{id}}" }\n  - { name: c, url: /json2k }\n${shape}`,
    },
  ];
}

/**
 * CPU µs per answer of the capture `json $.id` on the 2 KB body, through the engine's own code
 * (decode, JSON.parse, the path), as one chunk the way a small body arrives. The least of a few
 * repetitions: the one the machine disturbed least.
 */
export function measureCapture(): number {
  const source = parseCapture('json $.id');
  if (!source.ok) throw new Error(`bench: ${source.message}`);
  const capture = new RunnableCapture({ name: 'id', expression: 'json $.id', source: source.value });
  const chunk = Buffer.from(JSON_2K);
  const answer = new Answer();
  const once = (): void => {
    const r = capture.run(answer.reset(200, 1, null, [chunk]));
    if (!r.ok || r.value !== '4242') throw new Error('bench: the capture did not find $.id in the 2 KB body');
  };
  const n = 20_000;
  let best = Infinity;
  for (let rep = 0; rep < 6; rep++) {
    const started = process.cpuUsage();
    for (let i = 0; i < n; i++) once();
    const used = process.cpuUsage(started);
    // The first repetitions warm the code up; every one counts, the least is kept.
    best = Math.min(best, (used.user + used.system) / n);
  }
  return best;
}

const ok = (l: LoadResult): boolean => l.failure === null && l.rps > 0 && l.errors === 0;

/** Requests per CPU-second with `startup` CPU seconds taken off. */
function perCpu(l: LoadResult, startup: number | null): number | null {
  if (!ok(l) || l.cpu_seconds === null || startup === null) return null;
  const cpu = l.cpu_seconds - startup;
  return cpu > 0 ? l.requests / cpu : null;
}

export async function flowsSection(o: FlowsOptions, nginx: Target, work: string, say: (text?: string) => void, note: (text: string) => void): Promise<FlowsReport> {
  say(`\n== Flows: ${o.connections} virtual users / connections, ${o.duration} s per run, ${o.rounds} rounds, alternating plain → flow, against ${nginx.kind}`);
  const pairs: FlowPair[] = [];
  const timed = `concurrency: ${o.connections}\nduration_seconds: ${o.duration}\ntimeout_seconds: 10\n`;
  for (const s of specs(nginx.url)) {
    note(`${s.label}: start-up cost, a handful of requests each`);
    const load = { name: s.label, url: nginx.url, concurrency: o.connections, durationSeconds: o.duration };
    const few = Math.max(1, Math.ceil(o.connections / s.steps));
    const startup = {
      plain: (await runEngine(work, { ...load, yaml: s.plain(`concurrency: ${o.connections}\ntotal_requests: ${few * s.steps}\n`) })).load.cpu_seconds,
      flow: (await runEngine(work, { ...load, yaml: s.flow(`concurrency: ${o.connections}\niterations: ${few}\n`) })).load.cpu_seconds,
    };
    const rounds: FlowPair['rounds'] = [];
    for (let r = 1; r <= o.rounds; r++) {
      note(`${s.label}: round ${r}/${o.rounds}`);
      const plain = (await runEngine(work, { ...load, yaml: s.plain(timed) })).load;
      const flow = (await runEngine(work, { ...load, yaml: s.flow(timed) })).load;
      const plainCpu = perCpu(plain, startup.plain);
      const flowCpu = perCpu(flow, startup.flow);
      rounds.push({
        plain,
        flow,
        ratio: ok(plain) && ok(flow) ? flow.rps / plain.rps : null,
        cpu_ratio: plainCpu !== null && flowCpu !== null ? flowCpu / plainCpu : null,
      });
    }
    const ratio = median(rounds.map((x) => x.ratio).filter((v): v is number => v !== null));
    const cpuRatio = median(rounds.map((x) => x.cpu_ratio).filter((v): v is number => v !== null));
    let ceiling: CaptureCeiling | null = null;
    if (s.capture) {
      const captureUs = measureCapture();
      const plainPerCpu = median(rounds.map((x) => perCpu(x.plain, startup.plain)).filter((v): v is number => v !== null));
      const plainUs = plainPerCpu === null ? null : 1e6 / plainPerCpu;
      ceiling = { capture_us: captureUs, plain_request_us: plainUs, ratio: plainUs === null ? null : (s.steps * plainUs) / (s.steps * plainUs + captureUs) };
    }
    pairs.push({ label: s.label, goal_ratio: s.goal, rounds, median_ratio: ratio, median_cpu_ratio: cpuRatio, startup_cpu_seconds: startup, ceiling });
    say(s.label);
    const cell = (l: LoadResult, perCpuS: number | null): string[] => [
      l.failure ? 'failed' : `${fmt(l.rps, 0)}${l.errors ? ` (${l.errors} err)` : ''}`,
      fmt(perCpuS, 0),
    ];
    say(
      table(
        ['round', 'plain req/s', 'plain req/CPU-s', 'flow req/s', 'flow req/CPU-s', 'flow/plain req/s', 'flow/plain per CPU-s'],
        rounds.map((x, i) => [
          String(i + 1),
          ...cell(x.plain, perCpu(x.plain, startup.plain)),
          ...cell(x.flow, perCpu(x.flow, startup.flow)),
          x.ratio === null ? '—' : `${fmt(x.ratio, 2)}×`,
          x.cpu_ratio === null ? '—' : `${fmt(x.cpu_ratio, 2)}×`,
        ]),
      ),
    );
    say(`median flow/plain: ${fmt(ratio, 2)}× req/s, ${fmt(cpuRatio, 2)}× per CPU-second (goal ≥ ${s.goal}× req/s)`);
    if (ceiling !== null) {
      say(
        `the capture's own work (decode the 2 KB body, JSON.parse it, take $.id): ${fmt(ceiling.capture_us, 1)} µs of CPU per iteration, ` +
          `against ${fmt(ceiling.plain_request_us, 1)} µs per plain request: at best ${fmt(ceiling.ratio, 2)}× (3 requests / (3 requests + the capture)) ` +
          `beside the goal of ${s.goal}×`,
      );
    }
    say(`(start-up taken off before req/CPU-s: plain ${fmt(startup.plain, 2)} CPU s, flow ${fmt(startup.flow, 2)} CPU s)`);
    for (const x of rounds) for (const l of [x.plain, x.flow]) if (l.failure) say(`  failed: ${l.failure}`);
  }
  return { target: nginx.kind, connections: o.connections, duration_seconds: o.duration, pairs };
}
