#!/usr/bin/env node
'use strict';
/**
 * Benchmark runner: runs every dist/bench/*.bench.js module's exported `async run()`
 * in sequence, each in its own child process (so peak RSS and warm caches belong to
 * that benchmark alone), then prints one report.
 *
 *   npm run build && npm run bench               # all benchmarks
 *   npm run bench -- core export                 # only those whose name matches
 *   npm run bench -- --json bench-report.json    # also write the report as JSON
 */
const { fork } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const DIST = path.join(__dirname, '..', 'dist', 'bench');

/** In a child: load one module, run it, send back what it returned. */
async function child(file) {
  const mod = require(file);
  if (typeof mod.run !== 'function') throw new Error(`${path.basename(file)} exports no run()`);
  const t = process.hrtime.bigint();
  const result = await mod.run();
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  // Exit once the result is sent: a benchmark may leave handles open (servers, queues).
  process.send({ result, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 }, () => process.exit(0));
}

function runChild(file) {
  return new Promise((resolve) => {
    const p = fork(__filename, ['--child', file], { stdio: 'inherit' });
    let msg;
    p.on('message', (m) => (msg = m));
    p.on('exit', (code) => resolve(msg && code === 0 ? msg : { error: `exited with code ${code}`, ...msg }));
  });
}

function args() {
  const a = process.argv.slice(2);
  const j = a.indexOf('--json');
  const json = j >= 0 ? a[j + 1] : undefined;
  const names = a.filter((x, i) => !x.startsWith('--') && (j < 0 || i !== j + 1));
  return { json, names };
}

async function main() {
  if (!fs.existsSync(DIST)) {
    process.stderr.write(`no ${path.relative(process.cwd(), DIST)}: run \`npm run build\` first\n`);
    process.exitCode = 2;
    return;
  }
  const { json, names } = args();
  const files = fs
    .readdirSync(DIST)
    .filter((f) => f.endsWith('.bench.js'))
    .filter((f) => names.length === 0 || names.some((n) => f.includes(n)))
    .sort();
  const env = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
    loadavg: os.loadavg().map((x) => x.toFixed(2)).join(' '),
    memoryGB: (os.totalmem() / 2 ** 30).toFixed(1),
  };
  process.stdout.write(`nianbao bench — ${env.date}, node ${env.node}, ${env.cpus}, load ${env.loadavg}\n\n`);
  const report = { env, benches: {} };
  for (const f of files) {
    const name = f.replace(/\.bench\.js$/, '');
    process.stdout.write(`── ${name}\n`);
    report.benches[name] = await runChild(path.join(DIST, f));
    process.stdout.write('\n');
  }
  process.stdout.write('── report\n');
  for (const [name, r] of Object.entries(report.benches)) {
    const head = r.error ? `FAILED (${r.error})` : `${r.seconds.toFixed(1)} s, peak RSS ${r.maxRssMB.toFixed(0)} MB`;
    process.stdout.write(`${name}: ${head}\n`);
    if (r.result) process.stdout.write(`${JSON.stringify(r.result, null, 2).replace(/^/gm, '  ')}\n`);
  }
  if (json) fs.writeFileSync(json, JSON.stringify(report, null, 2));
  if (Object.values(report.benches).some((r) => r.error)) process.exitCode = 1;
}

if (process.argv[2] === '--child') {
  child(process.argv[3]).catch((e) => {
    process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  });
} else {
  main();
}
