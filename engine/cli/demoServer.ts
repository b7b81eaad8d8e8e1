// `atm demo-server [--port N]`.
import { EXIT } from './exit';

export async function demoServerCommand(_args: string[]): Promise<number> {
  process.stderr.write('atm demo-server: not built yet\n');
  return EXIT.USAGE;
}
