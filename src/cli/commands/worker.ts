/** nianbao worker: run the fetch and/or extract queue workers until SIGTERM/SIGINT. */
import { queueConfigFromEnv, extractJobs, queuePrefix } from '../../queue/config';

export const summary = 'run queue workers (fetch and extract stages) until stopped';

export const help = `Usage: nianbao worker [options]

Runs BullMQ workers on REDIS_URL, storing into DATABASE_URL (PostgreSQL; required when more than one
process works: the embedded PGlite store can be opened by one process only). Start as many as you
like, on as many machines as you like, against one Redis and one PostgreSQL.

Options:
  --stage fetch|extract|all     which stage(s) to run (default all)
  --fetch-concurrency N         fetch jobs in flight in this process (default 16, NIANBAO_FETCH_CONCURRENCY)
  --extract-concurrency N       extraction threads (default one per core, at most one per GiB of memory;
                                NIANBAO_EXTRACT_CONCURRENCY); jobs in flight: NIANBAO_EXTRACT_JOBS (default
                                twice the threads). One worker per machine with a thread per core costs
                                less than several workers.
  --allow-private               allow loopback/private targets (local testing only; NIANBAO_ALLOW_PRIVATE=1)

SIGTERM or SIGINT: stop taking jobs, finish the active ones, exit 0. A worker killed outright leaves its
jobs locked; another worker picks them up after NIANBAO_LOCK_MS (default 30000).`;

export async function run(argv: string[]): Promise<number> {
  const cfg = queueConfigFromEnv();
  let stages: Array<'fetch' | 'extract'> = ['fetch', 'extract'];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v == null) throw new Error(`${a} needs a value`);
      return v;
    };
    try {
      if (a === '--stage') {
        const v = val();
        if (v === 'all') stages = ['fetch', 'extract'];
        else if (v === 'fetch' || v === 'extract') stages = [v];
        else throw new Error(`--stage: fetch, extract or all, not '${v}'`);
      } else if (a === '--fetch-concurrency') cfg.fetch.concurrency = Math.max(1, Number(val()) || 1);
      else if (a === '--extract-concurrency') cfg.extract.concurrency = Math.max(1, Number(val()) || 1);
      else if (a === '--allow-private') cfg.fetch.allowPrivate = true;
      else throw new Error(`unknown option ${a}`);
    } catch (e) {
      process.stderr.write(`nianbao worker: ${(e as Error).message}\n\n${help}\n`);
      return 2;
    }
  }
  // Listen for SIGTERM/SIGINT before announcing readiness: a supervisor (or a test) may signal as soon as
  // it reads the line below, and without a listener the signal's default action kills the process.
  // (A second signal has the default effect: it ends the process at once.)
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (wake = resolve));
  const stop = (sig: string) => {
    process.stderr.write(`nianbao worker ${process.pid}: ${sig}, finishing active jobs\n`);
    wake();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { startWorkers } = require('../../../workers') as typeof import('../../../workers');
  const w = await startWorkers({ cfg, stages });
  process.stderr.write(
    `nianbao worker ${process.pid}: stages ${stages.join('+')}, fetch×${cfg.fetch.concurrency}, extract×${cfg.extract.concurrency} (${w.pool.mode}, ${extractJobs(cfg)} jobs), ` +
      `store ${w.store.kind} ${w.store.id}, queue prefix ${queuePrefix(w.cfg)}, pipeline ${cfg.pipeline}\n`,
  );
  if (process.send) process.send({ ready: true, pid: process.pid });
  await stopped;
  const peak = w.pool.peakRss;
  await w.close();
  process.stderr.write(`nianbao worker ${process.pid}: stopped (peak RSS ${Math.round(Math.max(peak, process.memoryUsage().rss) / 1048576)} MiB)\n`);
  return 0;
}
