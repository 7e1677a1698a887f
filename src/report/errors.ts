import { NnunetError } from '../engine/index.js';

/** A report or tracking command could not read what it needs (run record, store, artifact). */
export class ReportError extends NnunetError {}
