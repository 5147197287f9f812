#!/usr/bin/env node
'use strict';
// `npm install` (prepare) and npx's self-install run this: compile src/ to dist/ and link the
// bin. Type errors are reported but do not stop the install (tsc still emits JavaScript);
// CI runs the strict `npm run typecheck`.
const { spawnSync } = require('child_process');
const path = require('path');
const root = path.join(__dirname, '..');
const tsc = require.resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
if (r.status !== 0) process.stderr.write('nianbao build: tsc reported errors (see above); JavaScript was emitted anyway. Run `npm run typecheck`.\n');
require('./link-bin.js');
