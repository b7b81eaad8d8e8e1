// The diagnostic codes of flows, captures, checks and data; flow-diagnostics.test.ts exercises each.
export const FLOW_CODES = [
  'invalid-check',
  'invalid-capture',
  'capture-used-too-early',
  'capture-twice',
  'flow-only',
  'not-for-flows',
  'data-file-not-found',
  'invalid-data-file',
  'unknown-data-column',
] as const;
