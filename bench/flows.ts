// The `flows` section of `npm run bench`: what a flow costs against plain requests, side by side
// against nginx, alternating A B A B so that the machine's drift cancels in each round's ratio.
//  1. a one-step flow with no capture vs the same request as `url` (goal: ≥ 0.9×, at most 10% cost);
//  2. a three-step flow with a JSON capture on a 2 KB body vs three plain endpoints in turn
//     (round_robin, the same requests without the flow) (goal: ≥ 0.8× the requests/s).
import { runEngine, type LoadResult } from './loadgens';
import { fmt, median, table } from './stats';
import type { Target } from './targets';

export interface FlowPair {
  label: string;
  goal_ratio: number;
  rounds: Array<{ plain: LoadResult; flow: LoadResult; ratio: number | null }>;
  median_ratio: number | null;
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

function specs(base: string, connections: number, seconds: number): Array<{ label: string; goal: number; plain: string; flow: string }> {
  const shape = `concurrency: ${connections}\nduration_seconds: ${seconds}\ntimeout_seconds: 10\n`;
  const origin = base.replace(/\/$/, '');
  return [
    {
      label: 'one-step flow, no capture vs the same request as url',
      goal: 0.9,
      plain: `name: url\nurl: ${origin}/\n${shape}`,
      flow: `name: one step\nsteps:\n  - name: hello\n    url: ${origin}/\n${shape}`,
    },
    {
      label: 'three-step flow, JSON capture on a 2 KB body vs three endpoints in turn',
      goal: 0.8,
      plain:
        `name: endpoints\nbase_url: ${origin}\nendpoints:\n  - { name: a, url: /json2k }\n  - { name: b, url: "/json2k?id=4242" }\n  - { name: c, url: /json2k }\n` +
        `distribution_strategy: round_robin\n${shape}`,
      flow:
        `name: three steps\nbase_url: ${origin}\nsteps:\n  - name: a\n    url: /json2k\n    capture: { id: json $.id }\n` +
        `  - { name: b, url: "/json2k?id={{id}}" }\n  - { name: c, url: /json2k }\n${shape}`,
    },
  ];
}

export async function flowsSection(o: FlowsOptions, nginx: Target, work: string, say: (text?: string) => void, note: (text: string) => void): Promise<FlowsReport> {
  say(`\n== Flows: ${o.connections} virtual users / connections, ${o.duration} s per run, ${o.rounds} rounds, alternating plain → flow, against ${nginx.kind}`);
  const pairs: FlowPair[] = [];
  for (const s of specs(nginx.url, o.connections, o.duration)) {
    const rounds: FlowPair['rounds'] = [];
    for (let r = 1; r <= o.rounds; r++) {
      note(`${s.label}: round ${r}/${o.rounds}`);
      const load = { name: s.label, url: nginx.url, concurrency: o.connections, durationSeconds: o.duration };
      const plain = (await runEngine(work, { ...load, yaml: s.plain })).load;
      const flow = (await runEngine(work, { ...load, yaml: s.flow })).load;
      const ok = (l: LoadResult): boolean => l.failure === null && l.rps > 0 && l.errors === 0;
      rounds.push({ plain, flow, ratio: ok(plain) && ok(flow) ? flow.rps / plain.rps : null });
    }
    const ratio = median(rounds.map((x) => x.ratio).filter((v): v is number => v !== null));
    pairs.push({ label: s.label, goal_ratio: s.goal, rounds, median_ratio: ratio });
    say(s.label);
    say(
      table(
        ['round', 'plain req/s', 'flow req/s', 'flow/plain'],
        rounds.map((x, i) => [
          String(i + 1),
          x.plain.failure ? 'failed' : `${fmt(x.plain.rps, 0)}${x.plain.errors ? ` (${x.plain.errors} err)` : ''}`,
          x.flow.failure ? 'failed' : `${fmt(x.flow.rps, 0)}${x.flow.errors ? ` (${x.flow.errors} err)` : ''}`,
          x.ratio === null ? '—' : `${fmt(x.ratio, 2)}×`,
        ]),
      ),
    );
    say(`median flow/plain: ${fmt(ratio, 2)}× (goal ≥ ${s.goal}×)`);
    for (const x of rounds) for (const l of [x.plain, x.flow]) if (l.failure) say(`  failed: ${l.failure}`);
  }
  return { target: nginx.kind, connections: o.connections, duration_seconds: o.duration, pairs };
}
