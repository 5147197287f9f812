// Preloaded into a child process (`node --require test/robust/rss.js …`): on exit, write the
// process's peak resident memory (KiB) and wall time to stderr, for the bad-input suite.
'use strict';
const t0 = Date.now();
process.on('exit', () => {
  require('fs').writeSync(2, `\n@@robust maxrss_kib=${process.resourceUsage().maxRSS} ms=${Date.now() - t0}\n`);
});
