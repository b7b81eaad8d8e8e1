// What the engine's bundles take from undici: its Client and its connector, from their own modules.
// undici's index also loads fetch, WebSocket, cookies, caches and mocks, and one of them reads
// globalThis.Headers as it loads, which makes Node compile its own copy of undici as well, in every
// thread. esbuild.mjs resolves the engine's `import ... from 'undici'` to this file; the types
// stay undici's, and tests run from source against the package's index.
import type * as Undici from 'undici';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const Client = require('undici/lib/dispatcher/client') as typeof Undici.Client;
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const buildConnector = require('undici/lib/core/connect') as typeof Undici.buildConnector;
