/**
 * Static files: the UI's own script and style (src/web/assets) and pdf.js (pdfjs-dist legacy
 * build, its worker, cMaps, standard fonts and wasm decoders). Only named files from fixed
 * directories are served; no path from the request reaches the file system unchecked.
 */
import { existsSync, promises as fs } from 'fs';
import { join } from 'path';
import type { FastifyPluginAsync } from 'fastify';
import { pdfjsDir } from '../read/pdf/pdfjs';

/** src/web/assets, whether running from the sources (tests) or from dist/ (the CLI). */
export function assetsDir(): string {
  const candidates = [join(__dirname, 'assets'), join(__dirname, '..', '..', '..', 'src', 'web', 'assets')];
  for (const c of candidates) if (existsSync(join(c, 'app.js'))) return c;
  throw new Error(`the review UI's assets are missing (looked in ${candidates.join(', ')})`);
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.bcmap': 'application/octet-stream',
  '.pfb': 'application/octet-stream',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.icc': 'application/octet-stream',
};

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/;

function ext(name: string): string {
  const i = name.lastIndexOf('.');
  return i >= 0 ? name.slice(i) : '';
}

export const assetsPlugin: FastifyPluginAsync<{ dev?: boolean }> = async (app, opts) => {
  const own = assetsDir();
  const pdfjs = pdfjsDir();
  const dirs: Record<string, string> = {
    static: own,
    'pdfjs-build': join(pdfjs, 'legacy', 'build'),
    cmaps: join(pdfjs, 'cmaps'),
    standard_fonts: join(pdfjs, 'standard_fonts'),
    wasm: join(pdfjs, 'wasm'),
    iccs: join(pdfjs, 'iccs'),
  };
  const buildFiles = new Set(['pdf.min.mjs', 'pdf.worker.min.mjs', 'pdf.mjs', 'pdf.worker.mjs']);
  const memo = new Map<string, Buffer>();

  const serve = async (dir: string, name: string, reply: import('fastify').FastifyReply, cacheSecs: number) => {
    if (!NAME.test(name) || !TYPES[ext(name)]) return reply.code(404).send('not found');
    const full = join(dir, name);
    let body = opts.dev ? undefined : memo.get(full);
    if (!body) {
      try { body = await fs.readFile(full); } catch { return reply.code(404).send('not found'); }
      if (!opts.dev) memo.set(full, body);
    }
    reply.header('Cache-Control', cacheSecs > 0 ? `public, max-age=${cacheSecs}` : 'no-cache');
    return reply.type(TYPES[ext(name)]).send(body);
  };

  app.get<{ Params: { name: string } }>('/static/:name', (req, reply) => serve(dirs.static, req.params.name, reply, 0));
  app.get<{ Params: { name: string } }>('/pdfjs/:name', (req, reply) =>
    buildFiles.has(req.params.name) ? serve(dirs['pdfjs-build'], req.params.name, reply, 86400) : reply.code(404).send('not found'));
  app.get<{ Params: { dir: string; name: string } }>('/pdfjs/:dir/:name', (req, reply) => {
    const d = req.params.dir;
    if (d !== 'cmaps' && d !== 'standard_fonts' && d !== 'wasm' && d !== 'iccs') return reply.code(404).send('not found');
    return serve(dirs[d], req.params.name, reply, 86400);
  });
};
