// Bundles every entry point into dist/. `node esbuild.mjs --watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { mkdirSync, existsSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const watch = args.includes('--watch');
const production = args.includes('--production');
// `node esbuild.mjs engine cli` builds only the named bundles (by output name).
const only = args.filter((a) => !a.startsWith('--'));

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

const common = {
  define: { ATM_VERSION: JSON.stringify(pkg.version) },
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

// The engine uses undici's Client and connector only (see engine/run/undiciCore.ts): the Node
// bundles resolve the bare 'undici' to that module instead of the package's index.
const undiciCore = {
  name: 'undici-core',
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, (args) => (args.importer.endsWith('undiciCore.ts') ? undefined : { path: new URL('./engine/run/undiciCore.ts', import.meta.url).pathname }));
  },
};

/** Node-side bundles: the extension (vscode external), the language server, the engine and the CLI. */
const nodeBuilds = [
  { entryPoints: ['client/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { entryPoints: ['server/main.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['engine/main.ts'], outfile: 'dist/engine.js' },
  { entryPoints: ['engine/cli.ts'], outfile: 'dist/cli.js' },
  // Worker threads of the engine and the CLI (engine/run/workers.ts finds it beside them).
  { entryPoints: ['engine/run/worker.ts'], outfile: 'dist/worker.js' },
].filter((b) => existsSync(b.entryPoints[0]))
  .map((b) => ({ ...common, ...b, platform: 'node', format: 'cjs', target: 'node20', plugins: [undiciCore] }));

const webBuilds = [
  { entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js' },
].filter((b) => existsSync(b.entryPoints[0]))
  .map((b) => ({ ...common, ...b, platform: 'browser', format: 'iife', target: 'es2022', loader: { '.css': 'css' } }));

mkdirSync('dist', { recursive: true });
const all = [...nodeBuilds, ...webBuilds].filter(
  (b) => only.length === 0 || only.some((name) => b.outfile === `dist/${name}.js`),
);
if (watch) {
  for (const options of all) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  }
} else {
  await Promise.all(all.map((options) => esbuild.build(options)));
}
