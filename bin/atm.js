#!/usr/bin/env node
// The `atm` command: the bundled CLI in dist/ (run `npm run build` first).
require('../dist/cli.js');
