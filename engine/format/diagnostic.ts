// Diagnostics as the spec module reports them: 0-based positions (LSP style) so the language
// server passes them through unchanged; the CLI adds 1 to print `FILE:LINE:COL`.

export interface Position {
  /** 0-based line. */
  line: number;
  /** 0-based UTF-16 column. */
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface SpecDiagnostic {
  range: Range;
  severity: Severity;
  message: string;
  /** Stable code, e.g. `unknown-key`, `url-and-endpoints`, `yaml-syntax`; quick fixes key on it. */
  code: string;
  /** Extra facts for quick fixes, e.g. `{ key: 'concurency', suggestion: 'concurrency' }`. */
  data?: Record<string, unknown>;
}
