// Stable diagnostic codes. Quick fixes, tests and users' tooling key on them, so a code is never
// renamed; new ones are added.
export const DIAGNOSTIC_CODES = {
  /** A YAML syntax error (the yaml library's own code is in `data.yamlCode`). */
  yamlSyntax: 'yaml-syntax',
  /** A YAML warning (e.g. an unknown tag). */
  yamlWarning: 'yaml-warning',
  duplicateKey: 'duplicate-key',
  fileTooLarge: 'file-too-large',
  tooManyDocuments: 'too-many-documents',
  aliasLimit: 'alias-limit',
  noTests: 'no-tests',
  notAMapping: 'not-a-mapping',
  unknownKey: 'unknown-key',
  missingName: 'missing-name',
  missingField: 'missing-field',
  invalidType: 'invalid-type',
  invalidValue: 'invalid-value',
  outOfRange: 'out-of-range',
  authFieldMismatch: 'auth-field-mismatch',
  urlAndEndpoints: 'url-and-endpoints',
  missingUrl: 'missing-url',
  requestsAndDuration: 'requests-and-duration',
  duplicateTestName: 'duplicate-test-name',
  duplicateEndpointName: 'duplicate-endpoint-name',
  relativeUrlWithoutBase: 'relative-url-without-base',
  invalidThreshold: 'invalid-threshold',
  /** `- NAME: expression` in a test's `thresholds` where NAME is no step or endpoint of the test. */
  unknownThresholdScope: 'unknown-threshold-scope',
  templateUnclosed: 'template-unclosed',
  templateInvalid: 'template-invalid',
  unknownVariable: 'unknown-variable',
  unknownBuiltin: 'unknown-builtin',
  builtinArguments: 'builtin-arguments',
  variableCycle: 'variable-cycle',
  rampUpTooLong: 'ramp-up-too-long',
  weightWithoutWeighted: 'weight-without-weighted',
  /** `method` or `body` beside `endpoints`: they belong to `url` and are not used. */
  ignoredWithEndpoints: 'ignored-with-endpoints',
  envNotSet: 'env-not-set',
  envFileNotFound: 'env-file-not-found',
  hardcodedSecret: 'hardcoded-secret',
  concurrencyTooLow: 'concurrency-too-low',
  /** A baseline threshold in a test with no `baseline:` (and none pinned): it will read `no baseline`. */
  noBaseline: 'no-baseline',
  /** `baseline:` names a file that does not exist. */
  baselineNotFound: 'baseline-not-found',
  invalidCheck: 'invalid-check',
  invalidCapture: 'invalid-capture',
  /** A `{{NAME}}` captured by the same or a later step (or used where every step sends it). */
  captureUsedTooEarly: 'capture-used-too-early',
  captureTwice: 'capture-twice',
  /** `data`, `iterations`, `iterations_per_second` without `steps`. */
  flowOnly: 'flow-only',
  /** `total_requests`, `requests_per_second`, `distribution_strategy` or top-level `checks` beside `steps`. */
  notForFlows: 'not-for-flows',
  dataFileNotFound: 'data-file-not-found',
  invalidDataFile: 'invalid-data-file',
  unknownDataColumn: 'unknown-data-column',
} as const;

export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[keyof typeof DIAGNOSTIC_CODES];
