// Guard rails before a run, as pure functions (no 'vscode'): which hosts a run targets and whether
// they are this machine or a private network, how much load it asks for, and the user's caps.
import { createHash } from 'node:crypto';

export interface LoadShape {
  concurrency: number;
  requestsPerSecond: number | null;
  durationSeconds: number | null;
  totalRequests: number | null;
}

export interface Caps {
  maxConcurrency: number;
  maxRequestsPerSecond: number;
  maxDurationSeconds: number;
}

/** The setting behind each cap, named in the refusal so the user knows what to change. */
export const CAP_SETTINGS: Record<keyof Caps, string> = {
  maxConcurrency: 'atm.maxConcurrency',
  maxRequestsPerSecond: 'atm.maxRequestsPerSecond',
  maxDurationSeconds: 'atm.maxDurationSeconds',
};

/** Why a run is beyond the user's caps, or null when it is within them. */
export function capViolation(name: string, load: LoadShape, caps: Caps): string | null {
  if (load.concurrency > caps.maxConcurrency) {
    return `"${name}" asks for concurrency ${load.concurrency}, above the ${caps.maxConcurrency} allowed by the setting ${CAP_SETTINGS.maxConcurrency}.`;
  }
  if (load.requestsPerSecond !== null && load.requestsPerSecond > caps.maxRequestsPerSecond) {
    return `"${name}" asks for ${load.requestsPerSecond} requests per second, above the ${caps.maxRequestsPerSecond} allowed by the setting ${CAP_SETTINGS.maxRequestsPerSecond}.`;
  }
  if (load.durationSeconds !== null && load.durationSeconds > caps.maxDurationSeconds) {
    return `"${name}" runs for ${load.durationSeconds} s, above the ${caps.maxDurationSeconds} s allowed by the setting ${CAP_SETTINGS.maxDurationSeconds}.`;
  }
  return null;
}

/** "200 req/s (open model), 20 connections, for 30 s" — for the confirmation dialog. */
export function describeLoad(load: LoadShape): string {
  const rate = load.requestsPerSecond !== null ? `${load.requestsPerSecond} req/s (fixed arrival rate)` : 'as fast as the server answers';
  const size = load.durationSeconds !== null ? `for ${load.durationSeconds} s` : `${load.totalRequests ?? 0} requests in total`;
  return `${rate}, ${load.concurrency} connection${load.concurrency === 1 ? '' : 's'}, ${size}`;
}

export { isLocalAddress, classifyHosts, hostsOf, type Lookup, type HostVerdict } from '../engine/guard/hosts';

/** The `{{env:NAME}}` variables a spec text sends, in order of first use. */
export function envVarsIn(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(/\{\{\s*env:\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)) {
    if (!names.includes(m[1])) names.push(m[1]);
  }
  return names;
}

/** Identifies a confirmed spec: the same text of the same test never asks twice. */
export function specHash(testName: string, documentText: string): string {
  return createHash('sha256').update(testName).update('\0').update(documentText).digest('hex');
}
