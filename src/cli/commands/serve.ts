/** `nianbao serve`: the review web UI over the store. */
import { randomBytes } from 'crypto';

export const summary = 'review flagged extractions in the browser (queue, grid beside the source, corrections, approval)';

export const help = `Usage: nianbao serve [--host 127.0.0.1] [--port 8080] [--db DIR|URL] [options]

Serves the review UI: a queue of extractions (flagged first, with filters and counts) and, for one
report, the statistics grid laid out like the official tables beside its source (the PDF page with
the number highlighted, or the recovered table / text lines). Corrections, approvals, rejections
and source-error marks go to the store's review log (which \`nianbao export --db\` applies) and to
the audit log, with who, when, the old and the new value. Press ? in the browser for the keys.

Store:
  --db [DIR|URL]        PGlite data directory or postgres://… (default: DATABASE_URL, else
                        NIANBAO_DATA or ./.nianbao)

Access:
  --host HOST           address to listen on (default 127.0.0.1). Anything but a loopback
                        address needs a token or basic auth.
  --port N              port (default 8080; 0 picks a free one)
  --token TOKEN         require this token (default: NIANBAO_TOKEN). Open the printed address
                        once (it carries ?token=…); the browser keeps an HttpOnly cookie.
                        Scripts send Authorization: Bearer TOKEN.
  --random-token        generate a token and print the address with it
  --user NAME:PASSWORD  require HTTP basic auth (default: NIANBAO_BASIC_AUTH); the user name is
                        then recorded as the reviewer

Other:
  --reviewer NAME       reviewer name when the browser gives none (default: the OS user)
  --board               also show the queue dashboard (Bull Board) at /queues, for the queues
                        on REDIS_URL (prefix NIANBAO_QUEUE_PREFIX); same access control
  --dev                 read the UI's script and style from disk on every request
  -h, --help            this help
`;

class UsageError extends Error {}

export interface ServeArgs {
  host: string;
  port: number;
  db?: string | true;
  token?: string;
  randomToken: boolean;
  basic?: { user: string; password: string };
  reviewer?: string;
  dev: boolean;
  board?: boolean;
}

export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ServeArgs {
  const a: ServeArgs = { host: '127.0.0.1', port: 8080, randomToken: false, dev: false };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) { inline = arg.slice(eq + 1); arg = arg.slice(0, eq); }
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--host': a.host = value(); break;
      case '--port': {
        const v = value();
        if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new UsageError(`--port: '${v}' is not a port`);
        a.port = Number(v);
        break;
      }
      case '--db':
        if (inline !== undefined) a.db = inline;
        else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) a.db = argv[++i];
        else a.db = true;
        break;
      case '--token': a.token = value(); break;
      case '--random-token': a.randomToken = true; break;
      case '--user': {
        const v = value();
        const j = v.indexOf(':');
        if (j <= 0 || j === v.length - 1) throw new UsageError('--user needs NAME:PASSWORD');
        a.basic = { user: v.slice(0, j), password: v.slice(j + 1) };
        break;
      }
      case '--reviewer': a.reviewer = value(); break;
      case '--dev': a.dev = true; break;
      case '--board': a.board = true; break;
      default:
        throw new UsageError(arg.startsWith('-') ? `unknown option '${arg}'` : `unexpected argument '${arg}'`);
    }
  }
  if (!a.token && env.NIANBAO_TOKEN) a.token = env.NIANBAO_TOKEN;
  if (!a.basic && env.NIANBAO_BASIC_AUTH) {
    const v = env.NIANBAO_BASIC_AUTH;
    const j = v.indexOf(':');
    if (j > 0) a.basic = { user: v.slice(0, j), password: v.slice(j + 1) };
  }
  if (a.randomToken && !a.token) a.token = randomBytes(24).toString('base64url');
  return a;
}

export async function run(argv: string[]): Promise<number> {
  let args: ServeArgs;
  try {
    args = parseServeArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`nianbao serve: ${e.message}\nRun \`nianbao serve --help\` for the options.\n`);
      return 2;
    }
    throw e;
  }
  // Loaded lazily: the web server and the database drivers are only needed here.
  const { buildServer } = require('../../web/server') as typeof import('../../web/server');
  const { checkAccess, AccessError } = require('../../web/access') as typeof import('../../web/access');
  const { openStore, storeConfigFromEnv } = require('../../store') as typeof import('../../store');
  try {
    checkAccess({ host: args.host, token: args.token ?? null, basic: args.basic ?? null });
  } catch (e) {
    if (e instanceof AccessError) {
      process.stderr.write(`nianbao serve: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const cfg = storeConfigFromEnv();
  if (args.db && args.db !== true) {
    if (/^postgres(ql)?:\/\//.test(args.db)) cfg.databaseUrl = args.db;
    else { delete cfg.databaseUrl; cfg.dataDir = args.db; delete cfg.pgliteDir; }
  }
  const store = await openStore(cfg);
  // the board shows this store's own queues (their keys carry the store's id: see queuePrefix)
  const { queueConfigFromEnv, forStore, queuePrefix } = require('../../queue/config') as typeof import('../../queue/config');
  const board = args.board ? { redisUrl: process.env.REDIS_URL, prefix: queuePrefix(forStore(queueConfigFromEnv(), store)) } : null;
  const app = await buildServer({ store, host: args.host, token: args.token ?? null, basic: args.basic ?? null, reviewer: args.reviewer, dev: args.dev, board });
  const close = async () => {
    await app.close().catch(() => undefined);
    await store.close().catch(() => undefined);
  };
  try {
    await app.listen({ host: args.host, port: args.port });
  } catch (e) {
    await close();
    process.stderr.write(`nianbao serve: cannot listen on ${args.host}:${args.port}: ${(e as Error).message}\n`);
    return 1;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : args.port;
  const shown = args.host.includes(':') ? `[${args.host}]` : args.host === '0.0.0.0' ? 'localhost' : args.host;
  const url = `http://${shown}:${port}/queue${args.token ? `?token=${encodeURIComponent(args.token)}` : ''}`;
  process.stdout.write(`nianbao serve: review UI at ${url} (store: ${store.kind}${args.basic ? `, basic auth user ${args.basic.user}` : ''})\nPress Ctrl+C to stop.\n`);
  await new Promise<void>((resolve) => {
    const stop = () => { process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve(); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await close();
  return 0;
}
