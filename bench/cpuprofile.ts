// Summarises a V8 .cpuprofile (node --cpu-prof): the functions with the most self time, mapped back
// through the bundle's source map to the TypeScript source when one is beside the bundle.
//   node --import tsx bench/cpuprofile.ts FILE.cpuprofile [--top N] [--from S] [--to S]
// --from/--to keep the samples taken that many seconds after the profile started (e.g. startup).
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Hotspot {
  function: string;
  location: string;
  self_ms: number;
  self_pct: number;
}

export interface ProfileSummary {
  total_ms: number;
  top: Hotspot[];
  /** Self time by origin: engine source files, each dependency, node internals, GC, idle. */
  by_origin: { origin: string; self_ms: number; self_pct: number }[];
}

const maps = new Map<string, SourceMap | null>();

function sourceMapFor(url: string): SourceMap | null {
  if (maps.has(url)) return maps.get(url) ?? null;
  let map: SourceMap | null = null;
  try {
    const file = url.startsWith('file:') ? fileURLToPath(url) : url;
    if (file && existsSync(`${file}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
  } catch {
    map = null;
  }
  maps.set(url, map);
  return map;
}

function locate(frame: CallFrame): string {
  if (!frame.url) return '';
  const map = sourceMapFor(frame.url);
  if (map && frame.lineNumber >= 0) {
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber);
    if ('originalSource' in entry && entry.originalSource) {
      const src = entry.originalSource.replace(/^.*?\/(node_modules|engine)\//, '$1/');
      return `${src}:${entry.originalLine + 1}`;
    }
  }
  const short = frame.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|dist)\//, '$1/');
  return `${short}:${frame.lineNumber + 1}`;
}

function originOf(frame: CallFrame, location: string): string {
  if (frame.functionName === '(garbage collector)') return '(gc)';
  if (frame.functionName === '(idle)') return '(idle)';
  if (frame.functionName === '(program)') return '(program: native, unattributed)';
  if (!frame.url) return '(native)';
  if (frame.url.startsWith('node:')) return 'node internals';
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(location);
  if (dep) return dep[1] ?? 'node_modules';
  const own = /^(engine\/[^:]+)/.exec(location);
  if (own) return own[1] ?? 'engine';
  return location.split(':')[0] ?? 'other';
}

export function summariseProfile(profile: CpuProfile, topN = 20, fromS = 0, toS = Number.POSITIVE_INFINITY): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) byId.set(n.id, n);
  const selfUs = new Map<number, number>();
  let atUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    atUs += profile.timeDeltas[i] ?? 0;
    if (atUs < fromS * 1e6 || atUs > toS * 1e6) continue;
    const id = profile.samples[i] ?? -1;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const fns = new Map<string, Hotspot>();
  const origins = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const location = locate(node.callFrame);
    const name = node.callFrame.functionName || '(anonymous)';
    const key = `${name}\u0000${location}`;
    const h = fns.get(key) ?? { function: name, location, self_ms: 0, self_pct: 0 };
    h.self_ms += us / 1000;
    fns.set(key, h);
    const origin = originOf(node.callFrame, location);
    origins.set(origin, (origins.get(origin) ?? 0) + us / 1000);
  }
  const pct = (ms: number): number => (total > 0 ? (100 * ms * 1000) / total : 0);
  const top = [...fns.values()]
    .sort((a, b) => b.self_ms - a.self_ms)
    .slice(0, topN)
    .map((h) => ({ ...h, self_pct: pct(h.self_ms) }));
  const by_origin = [...origins.entries()]
    .map(([origin, ms]) => ({ origin, self_ms: ms, self_pct: pct(ms) }))
    .sort((a, b) => b.self_ms - a.self_ms);
  return { total_ms: total / 1000, top, by_origin };
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

export function formatProfile(s: ProfileSummary): string {
  const lines = [`CPU profile: ${(s.total_ms / 1000).toFixed(2)} s sampled`, '', 'self %   self ms  function  (location)'];
  for (const h of s.top) {
    lines.push(`${h.self_pct.toFixed(1).padStart(6)} ${h.self_ms.toFixed(0).padStart(9)}  ${h.function}  (${h.location})`);
  }
  lines.push('', 'by origin:');
  for (const o of s.by_origin.slice(0, 15)) {
    lines.push(`${o.self_pct.toFixed(1).padStart(6)} ${o.self_ms.toFixed(0).padStart(9)}  ${o.origin}`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: number): number => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const file = args.find((a, i) => !a.startsWith('--') && !(args[i - 1] ?? '').startsWith('--'));
  if (!file) {
    process.stderr.write('usage: node --import tsx bench/cpuprofile.ts FILE.cpuprofile [--top N] [--from S] [--to S]\n');
    process.exitCode = 2;
  } else {
    const summary = summariseProfile(readProfile(file), flag('--top', 25), flag('--from', 0), flag('--to', Number.POSITIVE_INFINITY));
    process.stdout.write(formatProfile(summary) + '\n');
  }
}
