// The spec module's public API: the one definition of the `.atm.yaml` format.
export { parseSpecFile, LIMITS, type ParsedFile, type ParsedTest } from './parse';
export { validateText, validateParsed, validateTextIncremental, type ValidateContext } from './hints';
export { parseSpecFileIncremental } from './incremental';
export { resolveTest, joinUrl, type ResolveContext } from './resolve';
export { parseThreshold, thresholdHolds, THRESHOLD_METRICS, LATENCY_METRICS, THRESHOLD_OPS, ITERATION_DURATION, type ThresholdParse } from './threshold';
export { atmSchema, HTTP_METHODS, DISTRIBUTION_STRATEGIES, AUTH_TYPES, DATA_ORDERS, CAPTURE_SOURCES, CHECK_SUBJECTS, CHECK_OPERATORS } from './schema';
export { parseCapture, parseCheck, parseJsonPath, evaluateJsonPath, parseDurationMs, checkRegex, CAPTURE_NAME, type Parsed } from './flow';
export { redact, redactValue, SECRET_HEADER_NAMES, isSecretHeader, MIN_SECRET_LENGTH } from './redact';
export { SpecError } from './errors';
export { DIAGNOSTIC_CODES, type DiagnosticCode } from './codes';
export { BUILTINS, scanTemplates, compileTemplate, type TemplateToken } from './template';
export { parseDotenv } from './dotenv';
export { pathLabel } from './validate';
export type { SpecDiagnostic, Range, Position, Severity } from './diagnostic';
export type * from './types';
export { DEFAULTS } from './types';
export type * from './plan';
