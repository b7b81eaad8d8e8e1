import type { SpecDiagnostic } from '../../engine/format';

/** A diagnostic as `[startLine, startChar, endLine, endChar] severity code | message` (0-based). */
export function show(d: SpecDiagnostic): string {
  const r = d.range;
  return `${JSON.stringify([r.start.line, r.start.character, r.end.line, r.end.character])} ${d.severity} ${d.code} | ${d.message}`;
}
