/**
 * A local HTTP server serving fixture reports the way government sites do: plain reports, wrapper
 * pages linking to an attachment, redirects, slow responses, 404s, 500s, flaky hosts and a robots.txt.
 * Content comes from samples/*.txt and any files under test/fixtures/files/.
 *
 * Routes (all GET):
 *   /r/<name>                 a fixture file, by name (content type from its extension)
 *   /gen/<i>.txt              a distinct report: sample (i mod n) with a line naming i (unique sha256)
 *   /dup/<i>.txt              the same bytes as /gen/<i mod 7>.txt (duplicate content, other URL)
 *   /wrap/<i>.html            a wrapper page (short note + link to /att/<i>.pdf)
 *   /att/<i>.pdf              the attachment behind /wrap/<i>.html (bytes of /gen/<i>.txt)
 *   /redir/<n>/<rest>         n redirects, then /<rest>
 *   /slow/<ms>/<rest>         waits ms before answering /<rest>
 *   /drip/<ms>.txt            sends headers, then the body slowly over ms
 *   /status/<code>            answers that status
 *   /flaky/<key>/<n>/<rest>   answers 500 the first n times for key, then /<rest>
 *   /big/<bytes>              a body of that size (with Content-Length); /bigchunked/<bytes> without
 *   /private/<anything>       disallowed by robots.txt
 */
import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'http';
import { readdirSync, readFileSync, statSync, existsSync } from 'fs';
import { join, extname, basename } from 'path';
import type { AddressInfo } from 'net';

const ROOT = join(__dirname, '..', '..');
// When compiled to dist/test/helpers, the repository root is two levels further up.
const REPO = existsSync(join(ROOT, 'samples')) ? ROOT : join(ROOT, '..');

const TYPES: Record<string, string> = {
  '.txt': 'text/plain; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.pdf': 'application/pdf',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** Sleep, cut short when the client goes away (so no timer outlives the server). */
function wait(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((r) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      res.off('close', done);
      r();
    }
    res.on('close', done);
  });
}

export interface FixtureServer {
  url: string;
  port: number;
  /** Requests seen, by path. */
  hits: Map<string, number>;
  /** Requests in flight right now, and the most seen at once. */
  inFlight: number;
  maxInFlight: number;
  /** Request start times (ms) by path prefix (first segment), for politeness checks. */
  starts: number[];
  samples: Buffer[];
  genBytes(i: number): Buffer;
  close(): Promise<void>;
}

export async function startFixtureServer(opts: { port?: number; robots?: string } = {}): Promise<FixtureServer> {
  const sampleFiles = readdirSync(join(REPO, 'samples')).filter((f) => f.endsWith('.txt')).sort();
  const samples = sampleFiles.map((f) => readFileSync(join(REPO, 'samples', f)));
  const files = new Map<string, string>();
  for (const f of sampleFiles) files.set(f, join(REPO, 'samples', f));
  for (const f of walk(join(REPO, 'test', 'fixtures', 'files'))) files.set(basename(f), f);
  const flaky = new Map<string, number>();
  const robots = opts.robots ?? 'User-agent: *\nDisallow: /private/\n';

  const genBytes = (i: number) => Buffer.concat([samples[i % samples.length], Buffer.from(`\n\n（测试文档编号 ${i}）\n`, 'utf8')]);

  const state: FixtureServer = {
    url: '', port: 0, hits: new Map(), inFlight: 0, maxInFlight: 0, starts: [], samples, genBytes,
    close: async () => undefined,
  };

  const send = (res: ServerResponse, status: number, body: Buffer | string, type = 'text/plain; charset=utf-8') => {
    const b = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, { 'content-type': type, 'content-length': b.length });
    res.end(b);
  };

  const handle = async (path: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let m: RegExpExecArray | null;
    if (path === '/robots.txt') return send(res, 200, robots);
    if ((m = /^\/r\/(.+)$/.exec(path))) {
      const f = files.get(decodeURIComponent(m[1]));
      if (!f) return send(res, 404, 'not found');
      return send(res, 200, readFileSync(f), TYPES[extname(f).toLowerCase()] ?? 'application/octet-stream');
    }
    if ((m = /^\/gen\/(\d+)\.txt$/.exec(path))) return send(res, 200, genBytes(Number(m[1])));
    if ((m = /^\/dup\/(\d+)\.txt$/.exec(path))) return send(res, 200, genBytes(Number(m[1]) % 7));
    if ((m = /^\/att\/(\d+)\.pdf$/.exec(path))) return send(res, 200, genBytes(Number(m[1])), 'application/octet-stream');
    if ((m = /^\/wrap\/(\d+)\.html$/.exec(path))) {
      const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>2022年政府信息公开工作年度报告</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a></div>
<div class="article"><h1>某某县2022年政府信息公开工作年度报告</h1><p>发布日期：2023-01-20</p>
<p>现将我县2022年政府信息公开工作年度报告予以公布，详见附件。</p>
<p>附件：<a href="../att/${m[1]}.pdf" title="2022年政府信息公开工作年度报告.pdf">2022年政府信息公开工作年度报告.pdf</a></p>
<p><a href="/files/guide.doc">政府信息公开指南.doc</a></p></div></body></html>`;
      return send(res, 200, html, 'text/html; charset=utf-8');
    }
    if ((m = /^\/redir\/(\d+)\/(.+)$/.exec(path))) {
      const n = Number(m[1]);
      const loc = n <= 1 ? `/${m[2]}` : `/redir/${n - 1}/${m[2]}`;
      res.writeHead(302, { location: loc, 'content-length': 0 });
      return void res.end();
    }
    if ((m = /^\/slow\/(\d+)\/(.+)$/.exec(path))) {
      await wait(Number(m[1]), res);
      if (res.destroyed) return;
      return handle('/' + m[2], req, res);
    }
    if ((m = /^\/drip\/(\d+)\.txt$/.exec(path))) {
      const body = genBytes(0);
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length });
      const steps = 10;
      for (let k = 0; k < steps && !res.destroyed; k++) {
        res.write(body.subarray(Math.floor((k * body.length) / steps), Math.floor(((k + 1) * body.length) / steps)));
        await wait(Number(m[1]) / steps, res);
      }
      return void res.end();
    }
    if ((m = /^\/status\/(\d+)$/.exec(path))) return send(res, Number(m[1]), `status ${m[1]}`);
    if ((m = /^\/flaky\/([\w-]+)\/(\d+)\/(.+)$/.exec(path))) {
      const seen = flaky.get(m[1]) ?? 0;
      flaky.set(m[1], seen + 1);
      if (seen < Number(m[2])) return send(res, 500, 'temporary failure');
      return handle('/' + m[3], req, res);
    }
    if ((m = /^\/big\/(\d+)$/.exec(path))) return send(res, 200, Buffer.alloc(Number(m[1]), 0x41));
    if ((m = /^\/bigchunked\/(\d+)$/.exec(path))) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      let left = Number(m[1]);
      while (left > 0 && !res.destroyed) {
        const n = Math.min(left, 64 * 1024);
        const ok = res.write(Buffer.alloc(n, 0x42));
        left -= n;
        if (!ok) await new Promise((r) => res.once('drain', r));
      }
      return void res.end();
    }
    if (path.startsWith('/private/')) return send(res, 200, genBytes(99));
    return send(res, 404, 'not found');
  };

  const server: Server = createServer((req, res) => {
    const path = decodeURI((req.url ?? '/').split('?')[0]);
    state.hits.set(path, (state.hits.get(path) ?? 0) + 1);
    if (path !== '/robots.txt') state.starts.push(Date.now());
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    res.on('close', () => state.inFlight--);
    handle(path, req, res).catch((e) => {
      if (!res.headersSent) send(res, 500, String(e));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000; // Node's default, as Apache's: crawlers reuse connections
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  state.port = port;
  state.url = `http://127.0.0.1:${port}`;
  state.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections?.();
      server.close(() => r());
    });
  return state;
}
