// Comparing runs (SPEC.md "Comparing runs"): reading a baseline, and two results side by side.
// Pure of processes and of the editor, so the CLI, the engine and the extension share it.
export { checkResult, checkResults, readResultFile, pickBaseline, loadBaseline, chooseBaseline, ResultFileError, MAX_RESULT_FILE_BYTES, type BaselineOutcome, type BaselineChoice } from './baseline';
export {
  compareRuns,
  compareResults,
  compareDistributions,
  distributionOf,
  percentileValues,
  percentileCurve,
  judgeAgainst,
  DISTRIBUTION_PERCENTILES,
  type Comparison,
  type TestComparison,
  type ScopeComparison,
  type MetricDelta,
  type PercentileDelta,
  type MetricUnit,
} from './compare';
