// parseSpecFile of a document, computed once per version and shared by lenses, symbols and fixes.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { parseSpecFile, type ParsedFile } from '../../engine/format';

const parsedCache = new WeakMap<TextDocument, { version: number; parsed: ParsedFile }>();

/** parseSpecFile of the document, computed once per version. */
export function parsedOf(doc: TextDocument): ParsedFile {
  const hit = parsedCache.get(doc);
  if (hit && hit.version === doc.version) return hit.parsed;
  const parsed = parseSpecFile(doc.getText());
  parsedCache.set(doc, { version: doc.version, parsed });
  return parsed;
}
