#!/usr/bin/env node
'use strict';
// npm links the bins of dependencies, not the project's own: link bin/nianbao.js into
// node_modules/.bin so that `npx --no-install nianbao` works in a fresh clone after `npm install`.
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '..');
const binDir = path.join(root, 'node_modules', '.bin');
const pkg = require(path.join(root, 'package.json'));
fs.mkdirSync(binDir, { recursive: true });
for (const [name, rel] of Object.entries(pkg.bin || {})) {
  const link = path.join(binDir, name);
  const target = path.relative(binDir, path.join(root, rel));
  try { fs.unlinkSync(link); } catch { /* not there yet */ }
  fs.symlinkSync(target, link);
  fs.chmodSync(path.join(root, rel), 0o755);
}
