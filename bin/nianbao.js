#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI lives in src/cli (compiled to dist/ by `npm install` through the prepare script).
const path = require('path');
const fs = require('fs');
const entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('nianbao: the build is missing (dist/). Run `npm install` or `npm run build` in ' + path.join(__dirname, '..') + '\n');
  process.exit(2);
}
require(entry).main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write('nianbao: ' + (err && err.stack || err) + '\n'); process.exitCode = 1; },
);
