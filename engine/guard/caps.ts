// The caps on the load a run may ask for, and their flags, for `atm run` and `atm mcp` alike.
// The defaults are those of the extension's settings atm.maxConcurrency, atm.maxRequestsPerSecond
// and atm.maxDurationSeconds, so a typo in a spec run from CI or by an agent cannot turn into a
// flood any more than it can in the editor.

export interface Caps {
  maxConcurrency: number;
  maxRequestsPerSecond: number;
  maxDurationSeconds: number;
}

export const DEFAULT_CAPS: Readonly<Caps> = { maxConcurrency: 1000, maxRequestsPerSecond: 10_000, maxDurationSeconds: 600 };

/** Each cap's flag; concurrency and rate are whole numbers, a duration may have a fraction. */
export const CAP_FLAGS: Readonly<Record<keyof Caps, { flag: string; whole: boolean }>> = {
  maxConcurrency: { flag: '--max-concurrency', whole: true },
  maxRequestsPerSecond: { flag: '--max-rps', whole: true },
  maxDurationSeconds: { flag: '--max-duration', whole: false },
};

/** The cap a flag sets, or null when `flag` is not a cap flag. */
export function capOfFlag(flag: string): keyof Caps | null {
  return (Object.keys(CAP_FLAGS) as Array<keyof Caps>).find((key) => CAP_FLAGS[key].flag === flag) ?? null;
}

/**
 * Sets cap `key` in `caps` from its flag's raw value. Returns null when done, an error message
 * naming the flag when the value is not a positive number (whole for concurrency and rate).
 */
export function setCap(caps: Caps, key: keyof Caps, raw: string | undefined): string | null {
  const { flag, whole } = CAP_FLAGS[key];
  if (raw === undefined || raw === '') return `${flag} needs a number`;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (whole && !Number.isInteger(n))) {
    return `${flag} must be a positive ${whole ? 'whole number' : 'number'}, not '${raw}'`;
  }
  caps[key] = n;
  return null;
}
