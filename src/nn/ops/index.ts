/**
 * Entry point of the op table: importing it registers the stock-tfjs reference ops (and tfjs's CPU backend,
 * so a table is always usable); faster kernels are installed over it with `useNetOps`.
 */
import '@tensorflow/tfjs-backend-cpu';
import { setReferenceNetOps } from './net-ops.js';
import { referenceNetOps } from './reference.js';

setReferenceNetOps(() => referenceNetOps);

export { netOps, useNetOps, resetNetOps, setReferenceNetOps, type NetOps } from './net-ops.js';
export { referenceNetOps } from './reference.js';
