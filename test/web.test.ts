/**
 * The review UI over HTTP (fastify.inject against the real server and a real PGlite store):
 * queue filters, counts and keyset paging; the review page; writes with optimistic locking and
 * their audit rows; the export seeing the corrections; access control; sanitised sources.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { FastifyInstance } from 'fastify';
import { request as httpRequest, type IncomingHttpHeaders } from 'http';
import type { AddressInfo } from 'net';
import { openStore, type Store } from '../src/store';
import { buildServer } from '../src/web/server';
import { seedFile, perturb } from '../src/web/seed';
import { syntheticExtraction } from '../src/export/synthetic';
import { storeRecords } from '../src/export/store';
import { resolve } from '../src/export/records';
import { AccessError } from '../src/web/access';

const FIX = join(__dirname, 'fixtures', 'files');
let dir: string;
let store: Store;
let app: FastifyInstance;
const ids: Record<string, number> = {};
const N_SYNTH = 60;
const N_REAL = 6;

const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

interface Res { statusCode: number; headers: IncomingHttpHeaders; body: string; rawPayload: Buffer; json(): any }

/**
 * One real HTTP request to a listening server (fastify.inject cannot run under jest here: its
 * light-my-request needs the ES-module-only `cookie` 2). Any Host header can be sent.
 */
function inject(srv: FastifyInstance, o: { method?: string; url: string; headers?: Record<string, string>; payload?: string }): Promise<Res> {
  const addr = srv.server.address() as AddressInfo;
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: addr.port, method: o.method ?? 'GET', path: o.url, headers: o.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const body = raw.toString('utf8');
        resolvePromise({ statusCode: res.statusCode ?? 0, headers: res.headers, body, rawPayload: raw, json: () => JSON.parse(body) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (o.payload !== undefined) req.write(o.payload);
    req.end();
  });
}

async function listening(p: Promise<FastifyInstance>): Promise<FastifyInstance> {
  const s = await p;
  await s.listen({ host: '127.0.0.1', port: 0 });
  return s;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nianbao-web-'));
  store = await openStore({ dataDir: dir, pgliteDir: 'memory://' });
  ids.pdf = (await seedFile(store, join(FIX, 'pdf', 'ruled-2019.pdf'), (e) => perturb(e, 's3.new.natural', 1))).id;
  ids.html = (await seedFile(store, join(FIX, 'html', 'plain-2019.html'))).id;
  ids.docx = (await seedFile(store, join(FIX, 'docx', 'lo-2021.docx'))).id;
  ids.html2 = (await seedFile(store, join(FIX, 'html', 'gbk-no-meta-2021.html'), (e) => perturb(e, 's3.granted.natural', 2))).id;
  ids.text = (await seedFile(store, join(__dirname, '..', 'samples', '000_1720ab7064fbf180.txt'))).id;
  // A scraped page carrying scripts, handlers and markup-looking text.
  const evil = readFileSync(join(FIX, 'html', 'plain-2019.html'), 'utf8')
    .replace('<h1>', '<script>window.pwned = 1</script><h1 onclick="pwned()">')
    .replace('<table class="grid">', '<p onmouseover="pwned()">&lt;script&gt;alert(2)&lt;/script&gt; &lt;img src=x onerror=alert(3)&gt;</p><iframe src="https://evil.example/"></iframe><table class="grid">')
    .replace('红河县民政局2019', '红河县民政局2019<script>alert(4)</script>');
  const evilPath = join(dir, 'evil.html');
  writeFileSync(evilPath, evil);
  ids.evil = (await seedFile(store, evilPath)).id;
  for (let i = 0; i < N_SYNTH; i++) {
    const e = syntheticExtraction(1000 + i);
    ids[`s${i}`] = (await store.saveExtraction(e)).id;
  }
  app = await listening(buildServer({ store, reviewer: 'tester' }));
}, 120000);

afterAll(async () => {
  await app?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function queue(qs: string): Promise<any> {
  const r = await inject(app, { url: '/api/queue' + qs, headers: { host: '127.0.0.1' } });
  expect(r.statusCode).toBe(200);
  return r.json();
}

async function all(qs: string, limit = 7): Promise<any[]> {
  const out: any[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 1000; guard++) {
    const sep = qs ? '&' : '?';
    const page = await queue(`${qs}${sep}limit=${limit}${after ? `&after=${after}` : ''}`);
    out.push(...page.rows);
    if (!page.hasNext) break;
    after = page.last;
  }
  return out;
}

const RANK: Record<string, number> = { flagged: 0, failed: 1, ok: 2 };

test('queue: flagged first, keyset pages cover every report once, counts agree', async () => {
  const first = await queue('');
  const total = N_REAL + N_SYNTH;
  expect(first.counts.total).toBe(total);
  expect(first.counts.matching).toBe(total);
  expect(first.counts.byStatus.flagged + first.counts.byStatus.ok + first.counts.byStatus.failed).toBe(total);
  const rows = await all('', 7);
  expect(rows.length).toBe(total);
  expect(new Set(rows.map((r) => r.id)).size).toBe(total);
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1];
    const b = rows[i];
    expect(RANK[a.status] < RANK[b.status] || (RANK[a.status] === RANK[b.status] && a.id < b.id)).toBe(true);
  }
  expect(rows[0].status).toBe('flagged');
  // Backwards from the last page gives the previous page.
  const p1 = await queue('?limit=7');
  const p2 = await queue(`?limit=7&after=${p1.last}`);
  const back = await queue(`?limit=7&before=${p2.first}`);
  expect(back.rows.map((r: any) => r.id)).toEqual(p1.rows.map((r: any) => r.id));
  expect(back.hasPrev).toBe(false);
  expect(p2.hasPrev).toBe(true);
});

test('queue filters: status, format, year, template, flag code, text, review', async () => {
  const ok = await all('?status=ok');
  expect(ok.length).toBeGreaterThan(0);
  expect(ok.every((r) => r.status === 'ok')).toBe(true);
  expect((await queue('?status=ok')).counts.matching).toBe(ok.length);

  const pdf = await all('?format=pdf');
  expect(pdf.map((r) => r.id)).toEqual([ids.pdf]);
  const docx = await all('?format=docx');
  expect(docx.map((r) => r.id)).toEqual([ids.docx]);

  const flag = await all('?flag=identity_failed');
  expect(flag.map((r) => r.id)).toContain(ids.pdf);
  expect(flag.every((r) => r.flagCodes.includes('identity_failed'))).toBe(true);

  const y = await all('?year=2020&template=2019');
  expect(y.length).toBeGreaterThan(0);
  expect(y.every((r) => r.year === 2020 && r.template === '2019')).toBe(true);
  expect(y.map((r) => r.id)).toContain(ids.pdf); // 江城市人民政府办公室 2020

  const text = await all('?q=' + encodeURIComponent('江城'));
  expect(text.map((r) => r.id)).toEqual([ids.pdf]);
  // LIKE wildcards in the text are literal.
  expect((await all('?q=' + encodeURIComponent('%'))).length).toBe(0);

  const free = await all('?template=free');
  expect(free.map((r) => r.id)).toContain(ids.text);

  // Unknown filter values are ignored, not passed to SQL.
  expect((await queue('?status=DROP&format=exe')).counts.matching).toBe(N_REAL + N_SYNTH);

  const todo = await queue('?review=todo');
  expect(todo.counts.byReview.todo).toBe(N_REAL + N_SYNTH);

  // The HTML page renders with the counts at the top.
  const page = await inject(app, { url: '/queue?status=flagged', headers: { host: 'localhost:8080' } });
  expect(page.statusCode).toBe(200);
  expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  expect(page.body).toContain('id="matching"');
  expect(page.body).toContain(`/r/${ids.pdf}?status=flagged`);
});

test('review page: the grid like the official tables, failed check with its arithmetic, source links', async () => {
  const r = await inject(app, { url: `/r/${ids.pdf}`, headers: { host: '127.0.0.1' } });
  expect(r.statusCode).toBe(200);
  const html = r.body;
  expect(html).toContain('二、主动公开政府信息情况');
  expect(html).toContain('三、收到和处理政府信息公开申请情况');
  expect(html).toContain('四、政府信息公开行政复议、行政诉讼情况');
  expect(html).toContain('data-key="s3.new.natural"');
  expect(html).toContain('data-key="s4.suit_after_review.total"');
  // 221 was perturbed to 222: 222 + 8 ≠ 227 + 2
  expect(html).toContain('222 + 8 ≠ 227 + 2');
  expect(html).toMatch(/<td class="v[^"]*\bbad\b[^"]*" data-key="s3\.new\.natural"/);
  const data = JSON.parse(/<script type="application\/json" id="page-data">([\s\S]*?)<\/script>/.exec(html)![1]);
  expect(data.pdf).toBe(`/r/${ids.pdf}/pdf`);
  expect(data.fields['s3.new.natural'].pos.page).toBe(3);
  expect(data.fields['s3.new.natural'].pos.bbox).toHaveLength(4);
  expect(data.failedChecks.length).toBeGreaterThan(0);
  const pdf = await inject(app, { url: `/r/${ids.pdf}/pdf`, headers: { host: '127.0.0.1' } });
  expect(pdf.statusCode).toBe(200);
  expect(pdf.headers['content-type']).toBe('application/pdf');
  expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
  // Only PDFs are served raw.
  expect((await inject(app, { url: `/r/${ids.html}/pdf`, headers: { host: '127.0.0.1' } })).statusCode).toBe(404);
  // The recovered source of a DOCX: the table cell the evidence names exists.
  const docx = await inject(app, { url: `/r/${ids.docx}/recovered`, headers: { host: '127.0.0.1' } });
  const d2 = JSON.parse(/id="page-data">([\s\S]*?)<\/script>/.exec((await inject(app, { url: `/r/${ids.docx}`, headers: { host: '127.0.0.1' } })).body)![1]);
  const pos = d2.fields['s3.new.natural'].pos;
  expect(docx.body).toMatch(new RegExp(`data-table="${pos.table}"[\\s\\S]*<td data-r="${pos.row}" data-c="${pos.col}">${d2.fields['s3.new.natural'].raw}</td>`));
  // A text source as numbered lines.
  const txt = await inject(app, { url: `/r/${ids.text}/recovered`, headers: { host: '127.0.0.1' } });
  expect(txt.body).toContain('class="doc lines"');
  expect(txt.body).toContain('data-line="1"');
  expect((await inject(app, { url: '/r/999999', headers: { host: '127.0.0.1' } })).statusCode).toBe(404);
  expect((await inject(app, { url: '/r/abc', headers: { host: '127.0.0.1' } })).statusCode).toBe(404);
});

test('writes: correct with optimistic locking, conflict message, audit rows, export sees it', async () => {
  const id = ids.pdf;
  const url = (a: string) => `/api/r/${id}/${a}`;
  const state0 = (await inject(app, { url: `/api/r/${id}`, headers: { host: '127.0.0.1' } })).json();
  expect(state0.version).toBe(0);
  expect(state0.failedChecks.length).toBeGreaterThan(0);

  // alice corrects from version 0.
  const a = await inject(app, { method: 'POST', url: url('correct'), ...json({ version: 0, field: 's3.new.natural', value: '221', reviewer: 'alice' }), headers: { host: '127.0.0.1', 'content-type': 'application/json' } });
  expect(a.statusCode).toBe(200);
  expect(a.json().version).toBe(1);
  // bob, who also loaded version 0, edits another field: refused, told who changed what.
  const b = await inject(app, { method: 'POST', url: url('correct'), payload: JSON.stringify({ version: 0, field: 's3.new.legal', value: 5, reviewer: 'bob' }), headers: { host: '127.0.0.1', 'content-type': 'application/json' } });
  expect(b.statusCode).toBe(409);
  const conflict = b.json();
  expect(conflict.error).toBe('conflict');
  expect(conflict.message).toContain('冲突');
  expect(conflict.message).toContain('alice');
  expect(conflict.version).toBe(1);
  expect(conflict.changes[0]).toMatchObject({ by: 'alice', field: 's3.new.natural', old: 222, new: 221 });
  // Nothing of bob's was written; alice's correction stands.
  const st = (await inject(app, { url: `/api/r/${id}`, headers: { host: '127.0.0.1' } })).json();
  expect(st.version).toBe(1);
  expect(st.corrections['s3.new.natural'].value).toBe(221);
  expect(st.corrections['s3.new.legal']).toBeUndefined();
  // The correction makes the identities hold again.
  expect(st.failedChecks).toEqual([]);
  // bob retries from the version he now sees.
  const b2 = await inject(app, { method: 'POST', url: url('correct'), payload: JSON.stringify({ version: 1, field: 's3.new.legal', value: null, reviewer: 'bob' }), headers: { host: '127.0.0.1', 'content-type': 'application/json' } });
  expect(b2.statusCode).toBe(200);
  // Audit: who, when, old and new, and the extracted value beside the correction.
  const audit = (await store.listAudit({ entity: 'extraction', entityId: id })).filter((x) => x.action === 'web.correct').reverse();
  expect(audit).toHaveLength(2);
  expect(audit[0].actor).toBe('alice');
  expect(audit[0].at).toBeInstanceOf(Date);
  expect(audit[0].detail).toMatchObject({ field: 's3.new.natural', old: 222, new: 221, extracted: 222, version: 1 });
  expect(audit[1].detail).toMatchObject({ field: 's3.new.legal', new: null, version: 2 });
  // The page shows the corrected value with the extracted one beside it.
  const page = (await inject(app, { url: `/r/${id}`, headers: { host: '127.0.0.1' } })).body;
  expect(page).toMatch(/data-key="s3\.new\.natural"[^>]*><span class="val">221<\/span><s class="ext"[^>]*>222<\/s>/);

  // Bad input.
  expect((await inject(app, { method: 'POST', url: url('correct'), payload: JSON.stringify({ version: 2, field: 'nope', value: 1 }), headers: { host: '127.0.0.1', 'content-type': 'application/json' } })).statusCode).toBe(400);
  expect((await inject(app, { method: 'POST', url: url('correct'), payload: JSON.stringify({ version: 2, field: 's3.new.legal', value: 'abc' }), headers: { host: '127.0.0.1', 'content-type': 'application/json' } })).statusCode).toBe(400);
  expect((await inject(app, { method: 'POST', url: url('correct'), payload: JSON.stringify({ field: 's3.new.legal', value: 1 }), headers: { host: '127.0.0.1', 'content-type': 'application/json' } })).statusCode).toBe(400);

  // Before approval the default export leaves the flagged report out; after, it is in, corrected.
  const before = [];
  for await (const rec of storeRecords(store)) before.push(resolve(rec));
  const mine = before.find((r) => r.id === String(id))!;
  expect(mine.exportStatus).toBe('flagged');
  expect(mine.values.get('s3.new.natural')).toMatchObject({ value: 221, extracted: 222, corrected: true, by: 'alice' });

  const ap = await inject(app, { method: 'POST', url: url('approve'), payload: JSON.stringify({ version: 2 }), headers: { host: '127.0.0.1', 'content-type': 'application/json' } });
  expect(ap.statusCode).toBe(200);
  expect(ap.json().version).toBe(3);
  const after = [];
  for await (const rec of storeRecords(store)) after.push(resolve(rec));
  expect(after.find((r) => r.id === String(id))!.exportStatus).toBe('approved');
  const q = await queue('?review=approved');
  expect(q.rows.map((r: any) => r.id)).toEqual([id]);
  expect(q.rows[0].decision).toBe('approved');
  expect(q.rows[0].nCorrected).toBe(2);
});

test('approve refuses while failed checks are unresolved unless forced or marked as the source\'s error', async () => {
  const id = ids.html2;
  const post = (a: string, body: unknown) => inject(app, { method: 'POST', url: `/api/r/${id}/${a}`, payload: JSON.stringify(body), headers: { host: '127.0.0.1', 'content-type': 'application/json' } });
  const st = (await inject(app, { url: `/api/r/${id}`, headers: { host: '127.0.0.1' } })).json();
  const r1 = await post('approve', { version: st.version });
  expect(r1.statusCode).toBe(422);
  expect(r1.json().checks.length).toBe(st.failedChecks.length);
  // The version did not move on a refused write.
  expect((await inject(app, { url: `/api/r/${id}`, headers: { host: '127.0.0.1' } })).json().version).toBe(st.version);
  // Mark a field of every failed check as the source's own error, then approve without force.
  const row = await store.getExtraction(id);
  expect(st.failedChecks.length).toBeGreaterThan(0);
  let v = st.version;
  const marked = new Set<string>();
  for (const c of row!.extraction.checks.filter((c) => !c.ok && !c.skipped)) {
    const k = c.fields![0];
    if (marked.has(k)) continue;
    marked.add(k);
    const m = await post('source-error', { version: v, field: k, on: true });
    expect(m.statusCode).toBe(200);
    v = m.json().version;
  }
  const st2 = (await inject(app, { url: `/api/r/${id}`, headers: { host: '127.0.0.1' } })).json();
  expect(Object.keys(st2.sourceErrors).sort()).toEqual([...marked].sort());
  expect((await post('approve', { version: v })).statusCode).toBe(200);
  const audit = (await store.listAudit({ entity: 'extraction', entityId: id })).map((a) => a.action);
  expect(audit).toContain('web.source_error');
  expect(audit).toContain('web.approve');
});

test('reject with a reason; the queue filters it', async () => {
  const id = ids.html;
  const post = (body: unknown) => inject(app, { method: 'POST', url: `/api/r/${id}/reject`, payload: JSON.stringify(body), headers: { host: '127.0.0.1', 'content-type': 'application/json' } });
  expect((await post({ version: 0 })).statusCode).toBe(400);
  const r = await post({ version: 0, reason: 'not_report', note: '是通知，不是年报' });
  expect(r.statusCode).toBe(200);
  const rows = await all('?review=rejected');
  expect(rows.map((x) => x.id)).toEqual([id]);
  const reviews = await store.listReviews(id);
  expect(reviews.at(-1)).toMatchObject({ action: 'reject', field: null, note: 'not_report: 不是年度报告 — 是通知，不是年报', reviewer: 'tester' });
  const recs = [];
  for await (const rec of storeRecords(store)) recs.push(resolve(rec));
  expect(recs.find((x) => x.id === String(id))!.exportStatus).toBe('rejected');
});

test('sanitising: scripts, handlers and markup in a scraped page never reach the UI as markup', async () => {
  const rec = await inject(app, { url: `/r/${ids.evil}/recovered`, headers: { host: '127.0.0.1' } });
  expect(rec.statusCode).toBe(200);
  const body = rec.body;
  expect(body).not.toMatch(/<script/i);
  expect(body).not.toMatch(/<iframe/i);
  expect(body).not.toMatch(/<img/i);
  expect(body).not.toMatch(/<[^>]*\son\w+=/i);
  expect(body).not.toContain('pwned');
  // Markup-looking text is shown as text.
  expect(body).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
  expect(body).toContain('&lt;img src=x onerror=alert(3)&gt;');
  const page = await inject(app, { url: `/r/${ids.evil}`, headers: { host: '127.0.0.1' } });
  expect(page.body).not.toMatch(/<script>alert/i);
  expect(page.body.match(/<script\b/g)!.length).toBe(2); // our module script and the JSON data block
  expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
  expect(page.headers['content-security-policy']).not.toMatch(/unsafe-inline/);
  expect(page.headers['x-content-type-options']).toBe('nosniff');
});

test('writes must be same-origin JSON', async () => {
  const url = `/api/r/${ids.docx}/approve`;
  const form = await inject(app, { method: 'POST', url, payload: 'version=0', headers: { host: '127.0.0.1', 'content-type': 'application/x-www-form-urlencoded' } });
  expect(form.statusCode).toBe(415);
  const cross = await inject(app, { method: 'POST', url, payload: '{"version":0}', headers: { host: '127.0.0.1', 'content-type': 'application/json', origin: 'https://evil.example' } });
  expect(cross.statusCode).toBe(403);
  const site = await inject(app, { method: 'POST', url, payload: '{"version":0}', headers: { host: '127.0.0.1', 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' } });
  expect(site.statusCode).toBe(403);
  expect((await store.listReviews(ids.docx)).length).toBe(0);
});

test('static files: own assets and pdf.js, nothing else', async () => {
  const h = { host: '127.0.0.1' };
  const js = await inject(app, { url: '/static/app.js', headers: h });
  expect(js.statusCode).toBe(200);
  expect(js.headers['content-type']).toContain('text/javascript');
  const pdfjs = await inject(app, { url: '/pdfjs/pdf.min.mjs', headers: h });
  expect(pdfjs.statusCode).toBe(200);
  expect((await inject(app, { url: '/pdfjs/pdf.worker.min.mjs', headers: h })).statusCode).toBe(200);
  expect((await inject(app, { url: '/pdfjs/cmaps/UniGB-UCS2-H.bcmap', headers: h })).statusCode).toBe(200);
  expect((await inject(app, { url: '/pdfjs/..%2Fpackage.json', headers: h })).statusCode).toBe(404);
  expect((await inject(app, { url: '/static/..%2Fserver.ts', headers: h })).statusCode).toBe(404);
  expect((await inject(app, { url: '/pdfjs/etc/passwd', headers: h })).statusCode).toBe(404);
});

describe('access', () => {
  test('loopback without credentials answers only requests addressed to a loopback name', async () => {
    expect((await inject(app, { url: '/queue', headers: { host: 'localhost:8080' } })).statusCode).toBe(200);
    expect((await inject(app, { url: '/queue', headers: { host: '[::1]:8080' } })).statusCode).toBe(200);
    expect((await inject(app, { url: '/queue', headers: { host: 'evil.example' } })).statusCode).toBe(403);
  });

  test('a non-local bind without a token or basic auth is refused', async () => {
    await expect(buildServer({ store, host: '0.0.0.0' })).rejects.toThrow(AccessError);
    await expect(buildServer({ store, host: '192.168.1.5' })).rejects.toThrow(/token/);
    await expect(buildServer({ store, host: '0.0.0.0', token: 'short' })).rejects.toThrow(AccessError);
  });

  test('token: refused without it; Bearer, ?token= (then cookie) admitted', async () => {
    const token = 'a-long-enough-test-token-123';
    const s = await listening(buildServer({ store, host: '0.0.0.0', token }));
    try {
      const h = { host: '10.0.0.2:8080' };
      const no = await inject(s, { url: '/queue', headers: h });
      expect(no.statusCode).toBe(401);
      expect(no.body).not.toContain('队列');
      expect((await inject(s, { url: '/api/queue', headers: { ...h, authorization: 'Bearer wrong-token-wrong-token' } })).statusCode).toBe(401);
      expect((await inject(s, { url: '/static/app.js', headers: h })).statusCode).toBe(401);
      expect((await inject(s, { method: 'POST', url: `/api/r/${ids.docx}/approve`, payload: '{"version":0}', headers: { ...h, 'content-type': 'application/json' } })).statusCode).toBe(401);
      expect((await inject(s, { url: '/api/queue', headers: { ...h, authorization: `Bearer ${token}` } })).statusCode).toBe(200);
      const viaUrl = await inject(s, { url: `/queue?status=ok&token=${token}`, headers: h });
      expect(viaUrl.statusCode).toBe(303);
      expect(viaUrl.headers.location).toBe('/queue?status=ok');
      const setCookie = String(viaUrl.headers['set-cookie']);
      expect(setCookie).toContain('HttpOnly');
      expect(setCookie).toContain('SameSite=Strict');
      const cookie = setCookie.split(';')[0];
      expect((await inject(s, { url: '/queue?status=ok', headers: { ...h, cookie } })).statusCode).toBe(200);
      expect((await inject(s, { url: '/queue', headers: { ...h, cookie: 'nianbao_token=nope' } })).statusCode).toBe(401);
    } finally {
      await s.close();
    }
  });

  test('basic auth: challenge, then the user is the reviewer', async () => {
    const s = await listening(buildServer({ store, host: '0.0.0.0', basic: { user: '王芳', password: 'pw:with:colons' } }));
    try {
      const h = { host: 'review.example:8080' };
      const no = await inject(s, { url: '/queue', headers: h });
      expect(no.statusCode).toBe(401);
      expect(no.headers['www-authenticate']).toMatch(/^Basic/);
      const bad = 'Basic ' + Buffer.from('王芳:nope').toString('base64');
      expect((await inject(s, { url: '/queue', headers: { ...h, authorization: bad } })).statusCode).toBe(401);
      const good = 'Basic ' + Buffer.from('王芳:pw:with:colons').toString('base64');
      expect((await inject(s, { url: '/queue', headers: { ...h, authorization: good } })).statusCode).toBe(200);
      const id = ids.docx;
      const v = (await inject(s, { url: `/api/r/${id}`, headers: { ...h, authorization: good } })).json().version;
      const w = await inject(s, { method: 'POST', url: `/api/r/${id}/correct`, payload: JSON.stringify({ version: v, field: 's2.rules.issued', value: 7, reviewer: 'someone-else' }), headers: { ...h, authorization: good, 'content-type': 'application/json' } });
      expect(w.statusCode).toBe(200);
      expect((await store.listReviews(id)).at(-1)!.reviewer).toBe('王芳');
    } finally {
      await s.close();
    }
  });
});

test('duplicates: the first report lists every copy; a copy links back to the first', async () => {
  const base = (await store.getExtraction(ids.html))!.extraction;
  const copyOf = (n: number) => {
    const e = JSON.parse(JSON.stringify(base));
    e.meta = { ...e.meta, agency: '复本县人民政府', year: 2021 };
    e.source = { ...e.source, sha256: n.toString(16).padStart(64, 'c') };
    return e;
  };
  const first = await store.saveExtraction(copyOf(1), { actor: 'seed' });
  await store.crossCheckExtraction(first.id);
  const copies: number[] = [];
  for (let n = 2; n <= 4; n++) copies.push((await store.recordExtraction(copyOf(n), { actor: 'worker' })).id);
  const page = (await inject(app, { url: `/r/${first.id}`, headers: { host: '127.0.0.1' } })).body;
  const flags = /<ul class="docflags">([\s\S]*?)<\/ul>/.exec(page)![1];
  expect(flags.match(/重复报告/g)).toHaveLength(1);
  expect(flags).toContain('共 3 份副本：' + copies.map((c) => `<a href="/r/${c}">#${c}</a>`).join(' '));
  const copyPage = (await inject(app, { url: `/r/${copies[1]}`, headers: { host: '127.0.0.1' } })).body;
  const copyFlags = /<ul class="docflags">([\s\S]*?)<\/ul>/.exec(copyPage)![1];
  expect(copyFlags).toContain(`<a href="/r/${first.id}">#${first.id}</a>`);
  expect(copyFlags).not.toContain('份副本');
});
