/**
 * Dawn reports a failed validation (a shader that does not compile, a binding over the device's limits) as an
 * `uncapturederror` event, not an exception: tfjs would go on with garbage buffers. The device's handler records
 * each error here, and every read-back point (a training step's loss, a sliding-window batch) checks, so such a
 * run fails instead of training on wrong numbers. No Node imports: the browser page bundles this module too.
 */
import { NnunetError } from '../../engine/errors.js';

const pending: string[] = [];

/** Called by the device's uncapturederror handler. */
export function recordGpuError(message: string): void {
  if (pending.length < 20) pending.push(message);
}

/** Throws WEBGPU_ERROR with what Dawn reported since the last check; nothing otherwise. */
export function throwOnGpuError(where: string): void {
  if (!pending.length) return;
  const messages = pending.splice(0);
  throw new NnunetError('WEBGPU_ERROR', `the GPU reported ${messages.length} error(s) during ${where}; results would be wrong, so the run stops: ${messages.join(' | ').slice(0, 2000)}`);
}
