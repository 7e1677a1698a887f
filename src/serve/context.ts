import type { Hono } from 'hono';
import type { Assets } from './assets.js';

/** What every route module gets: where the runs and the store are, and the bundled page scripts. */
export interface ServeContext {
  runsDir: string;
  /** `--store`; else each run's recorded store */
  storeDir?: string;
  assets: Assets;
}

/** A route module: one page (its HTML shell and its JSON API) per file under routes/. */
export type RouteModule = (app: Hono, ctx: ServeContext) => void;
