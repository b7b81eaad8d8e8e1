// The language service: pure functions from a TextDocument (and a position) to LSP types.
export { type ServiceContext, EMPTY_CONTEXT } from './context';
export { validateDocument, toLspDiagnostic, DIAGNOSTIC_SOURCE } from './diagnostics';
export { complete } from './completion';
export { hover, thresholdInWords } from './hover';
export { codeLenses } from './codeLens';
export { testItems } from './testItems';
export { documentSymbols, foldingRanges, definition } from './symbols';
export { codeActions } from './codeActions';
