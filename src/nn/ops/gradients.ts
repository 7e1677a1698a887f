/**
 * Registers tfjs's gradient functions (training needs them; inference does not, so only training code imports
 * this). tfjs-core's own `dist/register_all_gradients.js` is an ESM file with directory imports that Node cannot
 * load; the union package's CommonJS bundle registers the same gradients into tfjs's global registry.
 */
import { createRequire } from 'node:module';

createRequire(import.meta.url)('@tensorflow/tfjs');
