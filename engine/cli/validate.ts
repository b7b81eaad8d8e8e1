// `atm validate FILE...`: the language server's diagnostics on the command line, one
// `FILE:LINE:COL: severity: message` a line (1-based). Exit 0 when no file has errors (warnings,
// information and hints are printed but do not fail), 2 on any error or unreadable file.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { validateText } from '../format';
import { EXIT } from './exit';

export const VALIDATE_USAGE = `Usage: atm validate FILE...   (FILE - reads standard input)
  Prints every diagnostic as FILE:LINE:COL: severity: message (1-based line and column).
  Exit 0 when no file has errors (warnings and hints do not fail), 2 on errors or an unreadable file.
  {{env:NAME}} is checked against the process environment and the spec's env_file (default .env beside it).`;

function readOptional(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export function formatDiagnosticLine(file: string, line: number, column: number, severity: string, message: string): string {
  return `${file}:${line}:${column}: ${severity}: ${message}`;
}

export async function validateCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${VALIDATE_USAGE}\n`);
    return EXIT.OK;
  }
  const unknownFlag = args.find((a) => a.startsWith('-') && a !== '-');
  if (unknownFlag) {
    process.stderr.write(`atm validate: unknown option '${unknownFlag}'.\n${VALIDATE_USAGE}\n`);
    return EXIT.USAGE;
  }
  if (args.length === 0) {
    process.stderr.write(`atm validate: no file given.\n${VALIDATE_USAGE}\n`);
    return EXIT.USAGE;
  }
  let failed = false;
  for (const file of args) {
    let text: string;
    try {
      // `-` reads the spec from standard input (env_file is then looked up in the working directory).
      text = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (err) {
      const reason = err instanceof Error && 'code' in err && err.code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err);
      process.stdout.write(`${formatDiagnosticLine(file, 1, 1, 'error', `cannot read the file: ${reason}.`)}\n`);
      failed = true;
      continue;
    }
    const dir = file === '-' ? process.cwd() : dirname(resolve(file));
    const diagnostics = validateText(text, {
      env: process.env,
      readEnvFile: (relativePath) => readOptional(resolve(dir, relativePath)),
      fileExists: (relativePath) => existsSync(resolve(dir, relativePath)),
    });
    for (const d of diagnostics) {
      process.stdout.write(`${formatDiagnosticLine(file, d.range.start.line + 1, d.range.start.character + 1, d.severity, d.message)}\n`);
      if (d.severity === 'error') failed = true;
    }
  }
  return failed ? EXIT.USAGE : EXIT.OK;
}
