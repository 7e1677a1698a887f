import { NnunetError } from '../engine/index.js';

/** A request the dashboard refuses or cannot answer; answered as `{ error: { code, message } }` with `status`. */
export class HttpError extends NnunetError {
  constructor(readonly status: 400 | 401 | 403 | 404 | 405 | 413 | 422 | 503, code: string, message: string) {
    super(code, message);
  }
}
