// `atm mcp [--root DIR]... [--allow-host HOST]... [--max-concurrency N] [--max-rps N] [--max-duration S]`:
// the MCP server on stdio until the client closes it.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMcpServer } from '../mcp/server';
import { MCP_USAGE, parseMcpArgs } from '../mcp/options';
import { EXIT } from './exit';

export async function mcpCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${MCP_USAGE}\n`);
    return EXIT.OK;
  }
  const options = parseMcpArgs(args, process.cwd());
  if (typeof options === 'string') {
    process.stderr.write(`atm mcp: ${options}\n${MCP_USAGE}\n`);
    return EXIT.USAGE;
  }
  const server = createMcpServer(options);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  await closed;
  await server.close();
  return EXIT.OK;
}
