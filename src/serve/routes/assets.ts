/** `/assets/<file>`: the bundled page scripts and the stylesheet, from memory. */
import type { RouteModule } from '../context.js';
import { HttpError } from '../http-error.js';

export const assetRoutes: RouteModule = (app, ctx) => {
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/assets/:file', (c) => {
    const file = ctx.assets.files.get(c.req.param('file'));
    if (!file) throw new HttpError(404, 'NOT_FOUND', 'no such asset');
    return c.body(file.body as Uint8Array<ArrayBuffer>, 200, { 'content-type': file.type, 'cache-control': 'no-cache' });
  });
};
