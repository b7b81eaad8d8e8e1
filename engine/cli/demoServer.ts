// `atm demo-server [--port N]`: serves the demo target until SIGINT/SIGTERM.
import { startDemoServer } from '../demo/server';
import { EXIT } from './exit';

export async function demoServerCommand(args: string[]): Promise<number> {
  let port = 3000;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--port' || arg.startsWith('--port=')) {
      const value = arg === '--port' ? args[++i] : arg.slice('--port='.length);
      const n = Number(value);
      if (value === undefined || !Number.isInteger(n) || n < 0 || n > 65535) {
        process.stderr.write(`atm demo-server: --port needs a port number (0-65535), got '${value ?? ''}'\n`);
        return EXIT.USAGE;
      }
      port = n;
    } else {
      process.stderr.write(`atm demo-server: unknown argument '${arg}'\nUsage: atm demo-server [--port N]\n`);
      return EXIT.USAGE;
    }
  }
  let server;
  try {
    server = await startDemoServer({ port });
  } catch (err) {
    process.stderr.write(`atm demo-server: cannot listen on 127.0.0.1:${port}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.RUN_FAILED;
  }
  process.stdout.write(`ATM demo server listening on ${server.url}\n`);
  process.stdout.write('Endpoints: GET/POST /items, GET /items/:id, /slow?ms=N, /flaky?rate=0.1, /echo, /health. Ctrl-C stops it.\n');
  const running = server;
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void running.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return EXIT.OK;
}
