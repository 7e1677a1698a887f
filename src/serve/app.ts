/**
 * The dashboard's web app: guards first (read-only methods, bounded URLs, a token when reachable from other
 * machines, the Host header when local), then one route module per page. Every error is a JSON
 * `{ error: { code, message } }` with a 4xx status; an unexpected one is a 500 without its stack.
 */
import { timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { getCookie, setCookie } from 'hono/cookie';
import type { RouteModule, ServeContext } from './context.js';
import { HttpError } from './http-error.js';
import { assetRoutes } from './routes/assets.js';
import { resultsRoutes } from './routes/results.js';
import { runRoutes } from './routes/run.js';
import { runsRoutes } from './routes/runs.js';
import { segmentRoutes } from './routes/segment.js';

/** One per page; a new page is one module here. */
export const routeModules: RouteModule[] = [assetRoutes, runsRoutes, runRoutes, resultsRoutes, segmentRoutes];

const MAX_URL = 2048;
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
export const TOKEN_COOKIE = 'nnunet_token';

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const [a, b] = [Buffer.from(given), Buffer.from(token)];
  return a.length === b.length && timingSafeEqual(a, b);
}

const escapeHtml = (t: string): string => t.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** An error as JSON for the API and scripts; as a page, with the way back, for a browser that asked for one. */
function errorResponse(c: Context, status: ContentfulStatusCode, code: string, message: string): Response {
  if (!c.req.path.startsWith('/api/') && (c.req.header('accept') ?? '').includes('text/html')) {
    return c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${status} · nnU-Net</title></head>
<body style="font-family:system-ui,sans-serif;margin:40px"><h1>${status}: ${escapeHtml(code)}</h1><p>${escapeHtml(message)}</p>
<p><a href="/">back to the runs</a></p></body></html>`, status);
  }
  return c.json({ error: { code, message } }, status);
}

/** `token`: required on every request (query `?token=`, then a cookie the first page sets, or `Authorization: Bearer`). */
export function createApp(ctx: ServeContext, opts: { token?: string; modules?: RouteModule[] } = {}): Hono {
  const app = new Hono();
  app.onError((err, c: Context) => {
    if (err instanceof HttpError) return errorResponse(c, err.status, err.code, err.message);
    process.stderr.write(`serve: ${c.req.method} ${c.req.path}: ${err.message}\n${process.env.NNUNET_DEBUG ? `${err.stack}\n` : ''}`);
    return errorResponse(c, 500, 'INTERNAL', 'internal error (the server log has the details)');
  });
  app.notFound((c) => errorResponse(c, 404, 'NOT_FOUND', `no page or API at ${c.req.path.slice(0, 200)}`));

  app.use('*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'the dashboard is read-only: GET only');
    if (c.req.url.length > MAX_URL) throw new HttpError(400, 'URL_TOO_LONG', `URLs are limited to ${MAX_URL} characters`);
    if (opts.token) {
      const query = c.req.query('token');
      const bearer = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
      if (!sameToken(query, opts.token) && !sameToken(getCookie(c, TOKEN_COOKIE), opts.token) && !sameToken(bearer, opts.token)) {
        throw new HttpError(401, 'TOKEN_REQUIRED', 'this dashboard needs the token printed when `nnunet serve` started (?token=...)');
      }
      if (query) setCookie(c, TOKEN_COOKIE, opts.token, { httpOnly: true, sameSite: 'Strict', path: '/' });
    } else {
      // bound to this machine: refuse pages asked for under another name (DNS rebinding)
      // host names are case-insensitive (LOCALHOST is localhost)
      const host = (c.req.header('host') ?? '').replace(/:\d+$/, '').toLowerCase();
      if (!LOCAL_HOSTS.has(host)) throw new HttpError(403, 'BAD_HOST', `this dashboard answers on localhost only, not '${host.slice(0, 100)}'`);
    }
    await next();
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
  });
  for (const m of opts.modules ?? routeModules) m(app, ctx);
  return app;
}
