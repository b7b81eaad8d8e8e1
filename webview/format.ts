// How numbers read in the panel. DOM-free (unit-tested in node).
import { thresholdUnit } from '../engine/format/thresholdUnit';

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const twoDecimals = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const upToOne = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const upToTwo = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

const DASH = '—';

function finite(n: number | null | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

/** 1204 → "1,204". */
export function formatCount(n: number | null | undefined): string {
  return finite(n) ? count.format(n) : DASH;
}

/** Requests per second: 199.84 → "199.8", 1204.3 → "1,204.3". */
export function formatRate(n: number | null | undefined): string {
  return finite(n) ? oneDecimal.format(n) : DASH;
}

/** Milliseconds: 0.42 → "0.42 ms", 38.24 → "38.2 ms", 1234 → "1.23 s". */
export function formatMs(n: number | null | undefined): string {
  if (!finite(n)) return DASH;
  if (n < 1) return `${twoDecimals.format(n)} ms`;
  if (n < 1000) return `${oneDecimal.format(n)} ms`;
  return `${twoDecimals.format(n / 1000)} s`;
}

/** A fraction as a percentage: 0.005 → "0.5%", 0.12 → "12%", 0.0004 → "0.04%". */
export function formatPercent(fraction: number | null | undefined): string {
  if (!finite(fraction)) return DASH;
  const pct = fraction * 100;
  if (pct !== 0 && Math.abs(pct) < 1) return `${upToTwo.format(pct)}%`;
  return `${upToOne.format(pct)}%`;
}

/** Seconds as a clock: 65.2 → "1:05", 3725 → "1:02:05"; under a minute: "12.3 s". */
export function formatDuration(seconds: number | null | undefined): string {
  if (!finite(seconds) || seconds < 0) return DASH;
  // Under 1 s two decimals, so that a short run does not read "0.0 s".
  if (seconds < 1) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${oneDecimal.format(seconds)} s`;
  const whole = Math.floor(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/** Bytes: 5242880 → "5 MB". */
export function formatBytes(n: number | null | undefined): string {
  if (!finite(n)) return DASH;
  if (n < 1024) return `${count.format(n)} B`;
  if (n < 1024 * 1024) return `${upToOne.format(n / 1024)} KB`;
  if (n < 1024 * 1024 * 1024) return `${upToOne.format(n / (1024 * 1024))} MB`;
  return `${upToOne.format(n / (1024 * 1024 * 1024))} GB`;
}

export interface ThresholdParts {
  metric: string;
  op: string;
  limit: string;
}

/** Splits "p95 < 200ms" into its parts; null when it does not look like a threshold. */
export function splitThreshold(expression: string): ThresholdParts | null {
  const m = /^\s*([A-Za-z_][\w.]*)\s*(<=|>=|==|<|>)\s*(.+?)\s*$/.exec(expression);
  if (!m) return null;
  return { metric: m[1], op: m[2], limit: m[3] };
}

/** A threshold's measured value in the unit its metric uses (SPEC.md thresholds), as the reports show it. */
export function formatThresholdActual(expression: string, actual: number | null): string {
  if (actual === null) return DASH;
  switch (thresholdUnit(expression)) {
    case 'share':
      return formatPercent(actual);
    case 'rps':
      return `${formatRate(actual)} req/s`;
    case 'count':
      return formatCount(actual);
    case 'ms':
      return formatMs(actual);
  }
}
