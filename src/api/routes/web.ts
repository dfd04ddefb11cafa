import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface WebRouteOptions {
  /** The built dashboard (`web/dist`, made by `npm run build:web`). */
  readonly distDir: string;
}

interface Asset {
  readonly body: Buffer;
  /** Gzipped body, kept only when it is smaller. */
  readonly gzip: Buffer | undefined;
  readonly type: string;
  readonly etag: string;
  readonly cacheControl: string;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Paths the server answers itself: a miss there is a JSON 404, never the dashboard. */
const SERVER_PATHS = /^\/(?:api|docs|metrics|health|livez|readyz)(?:\/|$)/;

const HTML_HEADERS = {
  // Everything the page needs is bundled; inline styles are set through the CSSOM (allowed).
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  // Keeps a live-stream ticket in a URL from ever leaving in a Referer header.
  'referrer-policy': 'no-referrer',
};

/** Reads the whole bundle into memory (it is small): every file, its gzip, its ETag. */
function loadBundle(distDir: string): Map<string, Asset> | undefined {
  if (!existsSync(join(distDir, 'index.html'))) return undefined;
  const assets = new Map<string, Asset>();
  for (const entry of readdirSync(distDir, { recursive: true, withFileTypes: true })) {
    // Dot-files (the build's stamp, .vitals-build.json) are not part of the bundle.
    if (!entry.isFile() || entry.name.startsWith('.')) continue;
    const file = join(entry.parentPath, entry.name);
    const url = `/${relative(distDir, file).split(sep).join('/')}`;
    const body = readFileSync(file);
    const gzip = gzipSync(body, { level: 9 });
    assets.set(url, {
      body,
      gzip: gzip.length < body.length ? gzip : undefined,
      type: TYPES[extname(file)] ?? 'application/octet-stream',
      etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
      // Vite names files under assets/ by content hash: they never change under one name.
      cacheControl: url.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  }
  return assets;
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset) {
  reply
    .header('etag', asset.etag)
    .header('cache-control', asset.cacheControl)
    .header('vary', 'accept-encoding');
  if (asset.type.startsWith('text/html')) reply.headers(HTML_HEADERS);
  if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
  reply.type(asset.type);
  const acceptsGzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  if (asset.gzip && acceptsGzip) return reply.header('content-encoding', 'gzip').send(asset.gzip);
  return reply.send(asset.body);
}

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Vitals: dashboard not built</title>
<body style="font:16px system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5">
<h1>The dashboard is not built yet</h1>
<p>The API is running (see <a href="/docs">/docs</a>), but <code>web/dist</code> is missing. Build the dashboard with</p>
<pre style="background:#8882;padding:.75rem">npm run build:web</pre><p>and reload this page. <code>npm start</code> builds it when it is missing or out of date.</p></body></html>`;

/**
 * The dashboard at `/`: the files of the built bundle with caching headers (ETag; hashed assets
 * immutable for a year; gzip when accepted), and `index.html` for any other page path so client-side
 * routes survive a reload. Without a built bundle, a page that says how to build it (503).
 */
export function webRoutes(app: FastifyInstance, options: WebRouteOptions): void {
  let bundle: Map<string, Asset> | undefined;
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (SERVER_PATHS.test(path)) return reply.callNotFound();
    bundle ??= loadBundle(options.distDir);
    const asset = bundle?.get(path);
    if (asset) return send(request, reply, asset);
    // A missing file (anything with an extension) is a 404; every other path is a page of the app.
    if (extname(path) !== '') return reply.callNotFound();
    const index = bundle?.get('/index.html');
    if (index) return send(request, reply, index);
    return reply
      .status(503)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(NOT_BUILT);
  };
  app.get('/', { schema: { hide: true } }, handler);
  app.get('/*', { schema: { hide: true } }, handler);
}
