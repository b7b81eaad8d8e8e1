// `atm validate FILE...` (implemented with the spec module).
import { EXIT } from './exit';

export async function validateCommand(_args: string[]): Promise<number> {
  process.stderr.write('atm validate: not built yet\n');
  return EXIT.USAGE;
}
