// Reports of finished runs, for the CLI and the extension ("Export HTML Report…"): pure functions
// from results to text; the caller writes the file.
export { renderHtmlReport, reportCsp, type HtmlReportOptions } from './html';
export { renderJUnit, formatThresholdValue, type JUnitOptions } from './junit';
