import type { SpecDiagnostic } from './diagnostic';

/** A test that cannot be run as written; the message names the place and the fix. */
export class SpecError extends Error {
  constructor(
    message: string,
    readonly diagnostics?: SpecDiagnostic[],
    readonly code = 'spec-error',
  ) {
    super(message);
    this.name = 'SpecError';
  }
}
