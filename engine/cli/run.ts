// `atm run FILE [--test NAME] [--json OUT] [--quiet] [--demo]`.
import { EXIT } from './exit';

export async function runCommand(_args: string[]): Promise<number> {
  process.stderr.write('atm run: not built yet\n');
  return EXIT.USAGE;
}
