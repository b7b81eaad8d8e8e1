// Opening a run's connections before its measured window, so that connecting is neither in the
// run's time nor in any request's latency.
import { performance } from 'node:perf_hooks';
import type { EndpointState } from './endpointState';
import type { RequestSlot } from './http';

/**
 * Opens every slot's connection to each origin of the endpoints, sending nothing. Waits at most
 * `waitMs`, or until `done` (the run ended); a connection that fails or is still opening is left
 * to the first request, which reports what it finds. null when no origin is known.
 */
export async function warmConnections(
  slots: readonly RequestSlot[],
  endpoints: readonly EndpointState[],
  waitMs: number,
  done: Promise<void>,
): Promise<{ open: number; total: number; ms: number } | null> {
  const origins = new Set<string>();
  for (const state of endpoints) {
    if (state.prepared !== null) {
      origins.add(state.prepared.origin);
      continue;
    }
    try {
      origins.add(new URL(state.plan.url.render({ requestIndex: 0 })).origin);
    } catch {
      // A URL that does not render: its requests fail as they are sent.
    }
  }
  if (origins.size === 0) return null;
  const started = performance.now();
  let open = 0;
  const opening: Array<Promise<void>> = [];
  for (const slot of slots) {
    for (const origin of origins) {
      opening.push(
        slot.warm(origin).then((ok) => {
          if (ok) open++;
        }),
      );
    }
  }
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, waitMs);
  });
  await Promise.race([Promise.all(opening), limit, done]);
  clearTimeout(timer);
  return { open, total: opening.length, ms: Math.round(performance.now() - started) };
}
