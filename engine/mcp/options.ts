// The flags of `atm mcp`: where specs may live, which remote hosts a run may reach, and the caps.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { capOfFlag, DEFAULT_CAPS, setCap, type Caps } from '../guard/caps';

/** The caps of `atm mcp` (engine/guard/caps.ts). */
export type McpCaps = Caps;

export interface McpOptions {
  /** Absolute directories; a spec must lie inside one of them. Runs are stored under the first. */
  roots: string[];
  /** Host names (lower case) a run may reach although they are not loopback or private. */
  allowHosts: string[];
  caps: McpCaps;
}

export const MCP_USAGE = `Usage: atm mcp [--root DIR]... [--allow-host HOST]... [--max-concurrency N] [--max-rps N] [--max-duration S]
  The MCP server on standard input and output. Specs outside the roots (default: the working
  directory) are refused; runs to hosts other than loopback and private addresses are refused
  unless allowed with --allow-host. Runs are stored as result JSON under ROOT/.atm/runs/.`;

export function parseMcpArgs(args: readonly string[], cwd: string): McpOptions | string {
  const roots: string[] = [];
  const allowHosts: string[] = [];
  const caps: McpCaps = { ...DEFAULT_CAPS };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? args[++i];
    const cap = capOfFlag(flag);
    if (cap !== null) {
      const problem = setCap(caps, cap, value());
      if (problem !== null) return problem;
      continue;
    }
    switch (flag) {
      case '--root': {
        const v = value();
        if (v === undefined || v === '') return '--root needs a directory';
        const dir = resolve(cwd, v);
        let isDir = false;
        try {
          isDir = statSync(dir).isDirectory();
        } catch {
          isDir = false;
        }
        if (!isDir) return `--root ${v}: not a directory`;
        roots.push(dir);
        break;
      }
      case '--allow-host': {
        const v = value();
        if (v === undefined || v.trim() === '') return '--allow-host needs a host name';
        allowHosts.push(v.trim().toLowerCase().replace(/^\[|\]$/g, ''));
        break;
      }
      default:
        return `unknown option '${arg}'`;
    }
  }
  return { roots: roots.length > 0 ? roots : [resolve(cwd)], allowHosts, caps };
}
