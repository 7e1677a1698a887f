/**
 * nnU-Net's postprocessing.pkl: `(pp_fns, pp_fn_kwargs)`, a list of functions (pickled by name) and one kwargs
 * dict each. Read with the restricted unpickler: the only function it may name is keep-largest-component, kept as
 * a name and never called. Returned in postprocessing.json's shape.
 */
import { MAX_JSON_BYTES } from '../../util/read-bounded.js';
import { readPickleFile } from './torch-load.js';
import { CONTAINER_GLOBALS, NUMPY_GLOBALS, unpickle, type AllowList } from './unpickle.js';
import { PickleError, PyGlobal, PyTuple, toPlain } from './values.js';

const KEEP_LARGEST_MODULE = 'nnunetv2.postprocessing.remove_connected_components';

const POSTPROCESSING_GLOBALS: AllowList = {
  ...CONTAINER_GLOBALS,
  ...NUMPY_GLOBALS,
  [`${KEEP_LARGEST_MODULE}.remove_all_but_largest_component_from_segmentation`]: 'symbol',
};

export async function readPostprocessingPkl(file: string): Promise<{ postprocessing_fns: string[]; postprocessing_kwargs: unknown[] }> {
  const v = unpickle(await readPickleFile(file, MAX_JSON_BYTES), { allow: POSTPROCESSING_GLOBALS, source: file });
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : [];
  const [fns, kwargs] = items;
  if (items.length !== 2 || !Array.isArray(fns) || !Array.isArray(kwargs)) {
    throw new PickleError('POSTPROCESSING_INVALID', `${file}: expected (functions, kwargs) as nnU-Net writes it`, { file });
  }
  return {
    postprocessing_fns: fns.map((f) => (f instanceof PyGlobal ? f.name : String(f))),
    postprocessing_kwargs: toPlain(kwargs, file) as unknown[],
  };
}
