// Live Prometheus metrics of runs (`atm run --prometheus`, the editor's atm.prometheus setting).
import type { RunPart } from '../format/parts';
import type { RunPlan } from '../format/plan';
import { PrometheusExporter } from './exporter';
import { MetricsServer, MetricsServerError, parsePrometheusAddress } from './server';

export { PrometheusExporter, DURATION_BUCKETS_SECONDS, NO_STATUS } from './exporter';
export { MetricsServer, MetricsServerError, parsePrometheusAddress, isLoopbackHost, DEFAULT_PROMETHEUS_HOST, FINAL_SCRAPE_WAIT_MS } from './server';

export interface LiveMetrics {
  exporter: PrometheusExporter;
  server: MetricsServer;
  /** Exports a run; its result is WorkersOptions.onRunnerPart. `shardCount` divides the target rate. */
  track(plan: RunPlan, shardCount?: number): (runner: number, part: RunPart) => void;
}

/**
 * Opens /metrics at `raw` ([HOST:]PORT) before anything is sent. Returns the reason, naming
 * `where` (the flag or setting) and the fix, when the address is bad or cannot be listened on.
 */
export async function startLiveMetrics(raw: string, where: string): Promise<LiveMetrics | string> {
  const address = parsePrometheusAddress(raw);
  if (typeof address === 'string') return `${where}: ${address}`;
  const exporter = new PrometheusExporter();
  let server: MetricsServer;
  try {
    server = await MetricsServer.start(exporter, address, where);
  } catch (err) {
    if (err instanceof MetricsServerError) return err.message;
    throw err;
  }
  return {
    exporter,
    server,
    track: (plan, shardCount = 1) =>
      exporter.track({ ...plan, requestsPerSecond: plan.requestsPerSecond === null ? null : plan.requestsPerSecond / shardCount }),
  };
}
