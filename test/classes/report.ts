/**
 * Per-class figures for any seed (the notes report HELD_OUT_SEED):
 *   npm run build && node dist/test/classes/report.js [--seed 7919] [--n 40] [--class blank-cells,radicals] [--show 5]
 */
import { formatClassMistakes, formatReports, HELD_OUT_SEED, loadGenerators, runClass, type ClassReport } from './harness';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const seed = Number(arg('seed') ?? HELD_OUT_SEED);
  const n = arg('n') ? Number(arg('n')) : undefined;
  const only = arg('class')?.split(',');
  const show = Number(arg('show') ?? 0);
  const reports: ClassReport[] = [];
  for (const g of loadGenerators()) {
    if (only && !only.includes(g.id) && !only.includes(g.klass)) continue;
    const r = await runClass(g, seed, n);
    reports.push(r);
    if (show) console.error(`${g.id}:\n${formatClassMistakes(r, show) || '  all right'}`);
  }
  console.log(formatReports(reports));
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 2;
  });
}
