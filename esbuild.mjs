// Bundles every entry point into dist/. `node esbuild.mjs --watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { mkdirSync, copyFileSync, existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

/** Node-side bundles: the extension (vscode external), the language server, the engine and the CLI. */
const nodeBuilds = [
  { entryPoints: ['client/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { entryPoints: ['server/main.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['engine/main.ts'], outfile: 'dist/engine.js' },
  { entryPoints: ['engine/cli.ts'], outfile: 'dist/cli.js' },
].filter((b) => existsSync(b.entryPoints[0]))
  .map((b) => ({ ...common, ...b, platform: 'node', format: 'cjs', target: 'node20' }));

const webBuilds = [
  { entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js' },
].filter((b) => existsSync(b.entryPoints[0]))
  .map((b) => ({ ...common, ...b, platform: 'browser', format: 'iife', target: 'es2022', loader: { '.css': 'css' } }));

mkdirSync('dist', { recursive: true });
const all = [...nodeBuilds, ...webBuilds];
if (watch) {
  for (const options of all) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  }
} else {
  await Promise.all(all.map((options) => esbuild.build(options)));
}
