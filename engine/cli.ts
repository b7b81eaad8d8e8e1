// `atm`: the command line (SPEC.md "The command line"). Each subcommand lives in engine/cli/.
import { kubernetesCommand } from './cli/kubernetes';
import { mergeCommand } from './cli/merge';
import { runCommand } from './cli/run';
import { validateCommand } from './cli/validate';
import { compareCommand } from './cli/compare';
import { demoServerCommand } from './cli/demoServer';
import { mcpCommand } from './cli/mcp';
import { EXIT } from './cli/exit';

const USAGE = `Usage:
  atm run FILE [--test NAME] [--json OUT] [--quiet] [--demo] [--baseline B.json] [--junit OUT.xml] [--html OUT.html]
          [--workers N|auto] [--shard K/N --start-at ISO] [--prometheus [HOST:]PORT]
          [--max-concurrency N] [--max-rps N] [--max-duration S]
  atm compare A.json B.json [--json OUT]
  atm merge PART.json... [--from-logs -] [--json OUT] [--junit OUT.xml]
  atm kubernetes FILE [--test NAME] --pods N [--image IMG] [--namespace NS] [--include-env] [--start-in S]
  atm validate FILE...
  atm demo-server [--port N]
  atm mcp [--root DIR]... [--allow-host HOST]... [--max-concurrency N] [--max-rps N] [--max-duration S]
  atm --version | --help`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return runCommand(rest);
    case 'kubernetes':
      return kubernetesCommand(rest);
    case 'merge':
      return mergeCommand(rest);
    case 'validate':
      return validateCommand(rest);
    case 'compare':
      return compareCommand(rest);
    case 'demo-server':
      return demoServerCommand(rest);
    case 'mcp':
      return mcpCommand(rest);
    case '--version':
    case '-v':
      process.stdout.write(`${ATM_VERSION}\n`);
      return EXIT.OK;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? EXIT.USAGE : EXIT.OK;
    default:
      process.stderr.write(`atm: unknown command '${command}'.\n${USAGE}\n`);
      return EXIT.USAGE;
  }
}

declare const ATM_VERSION: string;

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`atm: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = EXIT.RUN_FAILED;
  },
);
