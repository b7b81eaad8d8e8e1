// Diagnostics are exactly what the spec module's validateText reports (the same function
// `atm validate` calls), mapped to LSP: the editor and the command line never disagree.
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { validateParsed, validateText } from '../../engine/format';
import type { ParsedFile, Severity, SpecDiagnostic } from '../../engine/format';
import type { ServiceContext } from './context';

export const DIAGNOSTIC_SOURCE = 'atm';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toLspDiagnostic(d: SpecDiagnostic): Diagnostic {
  const out: Diagnostic = {
    range: d.range,
    severity: SEVERITY[d.severity] ?? DiagnosticSeverity.Error,
    message: d.message,
    source: DIAGNOSTIC_SOURCE,
    code: d.code,
  };
  if (d.data !== undefined) out.data = d.data;
  return out;
}

/**
 * The diagnostics of `doc`; `parsed`, when given, is its parse (parseSpecFile or the incremental
 * parse of the same text: both give what validateText reports).
 */
export function validateDocument(doc: TextDocument, ctx: ServiceContext, parsed?: ParsedFile): Diagnostic[] {
  const readFile = ctx.readFile;
  // Only a reader: the spec module picks `env_file` or `.env` itself, as `atm validate` does.
  const validateContext = {
    env: { ...ctx.env },
    readEnvFile: readFile
      ? (relativePath: string) => {
          try {
            return readFile(relativePath);
          } catch {
            return null;
          }
        }
      : undefined,
    hasPinnedBaseline: (testName: string) => ctx.pinnedBaselines?.includes(testName) ?? false,
  };
  const diagnostics = parsed ? validateParsed(parsed, validateContext) : validateText(doc.getText(), validateContext);
  return diagnostics.map(toLspDiagnostic);
}
