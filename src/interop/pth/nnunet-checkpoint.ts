/**
 * nnU-Net's checkpoint_final.pth / checkpoint_best.pth <-> our network. nnUNetTrainer.save_checkpoint writes a
 * dict; inference reads `network_weights` (the state_dict), `init_args` (plans, configuration, fold,
 * dataset_json), `trainer_name` and `inference_allowed_mirroring_axes`.
 *
 * Our parameter names are the state_dict's canonical names. A real state_dict also holds aliases of the same
 * tensors, which load_state_dict (strict) requires back: each ConvDropoutNormReLU's `all_modules.<i>` (conv 0,
 * norm 1) and UNetDecoder's reference to the encoder (`decoder.encoder.*`). Layouts: torch conv weights are
 * [Cout, Cin, ...k] and transposed conv [Cin, Cout, ...k]; ours [...k, Cin, Cout] and [...k, Cout, Cin]: the same
 * permutation (the two leading axes move to the end, swapped) in both cases.
 */
import { NnunetError } from '../../engine/errors.js';
import { loadPth, readPth, tensorToFloat32 } from './torch-load.js';
import { Float32Tensor, torchSaveBuffer, type SaveValue } from './torch-save.js';
import { DTYPE_BYTES, PyObject, PyOrderedDict, PyTuple, TorchTensor, field, isDict, toPlain, type PyKey, type PyValue } from './values.js';

export class NnunetCheckpointError extends NnunetError {}

export interface NnunetCheckpoint {
  /** canonical parameter name -> values in our layout, with our shape */
  weights: Map<string, { shape: number[]; data: Float32Array }>;
  trainerName: string;
  configuration: string | null;
  fold: number | 'all' | null;
  plans: unknown;
  datasetJson: unknown;
  /** test-time mirroring axes; [] when the checkpoint has none (nnU-Net then does not mirror) */
  mirrorAxes: number[];
  currentEpoch: number | null;
}

const ALIAS = /(^decoder\.encoder\.)|(\.all_modules\.\d+\.)/;

/** torch [a, b, ...k] -> ours [...k, b, a] (conv and transposed conv alike); vectors stay as they are */
export function torchToOurs(shape: number[], data: Float32Array): { shape: number[]; data: Float32Array } {
  if (shape.length < 3) return { shape, data };
  const [a, b, ...k] = shape;
  const kn = k.reduce((x, y) => x * y, 1);
  const out = new Float32Array(data.length);
  // written in order (reads stride through the source): the faster way round for large conv weights
  let o = 0;
  for (let s = 0; s < kn; s++) for (let j = 0; j < b; j++) for (let i = 0, src = j * kn + s; i < a; i++, src += b * kn) out[o++] = data[src];
  return { shape: [...k, b, a], data: out };
}

/** ours [...k, b, a] -> torch [a, b, ...k] */
export function oursToTorch(shape: number[], data: Float32Array): { shape: number[]; data: Float32Array } {
  if (shape.length < 3) return { shape, data };
  const a = shape[shape.length - 1];
  const b = shape[shape.length - 2];
  const k = shape.slice(0, -2);
  const kn = k.reduce((x, y) => x * y, 1);
  const out = new Float32Array(data.length);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) for (let s = 0; s < kn; s++) out[(i * b + j) * kn + s] = data[(s * b + j) * a + i];
  return { shape: [a, b, ...k], data: out };
}

/** The state_dict keys that hold one of our parameters: its own name first, then nnU-Net's aliases. */
export function torchAliases(name: string): string[] {
  const unit = name.replace(/\.conv\.(weight|bias)$/, '.all_modules.0.$1').replace(/\.norm\.(weight|bias)$/, '.all_modules.1.$1');
  const names = unit === name ? [name] : [name, unit];
  return name.startsWith('encoder.') ? [...names, ...names.map((n) => `decoder.${n}`)] : names;
}

const fromTuple = (v: PyValue | undefined): number[] | null => {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  return items && items.every((x) => typeof x === 'number') ? (items as number[]) : null;
};

export function parseNnunetCheckpoint(root: PyValue, file: string): NnunetCheckpoint {
  const bad = (msg: string) => new NnunetCheckpointError('PTH_NOT_NNUNET', `${file}: ${msg}`, { file });
  if (!isDict(root)) throw bad('not an nnU-Net checkpoint (the file holds no dict)');
  const sd = root.get('network_weights');
  if (!isDict(sd)) throw bad("not an nnU-Net checkpoint (no 'network_weights' state_dict)");
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [k, v] of sd) {
    const name = String(k).replace(/^module\./, ''); // saved from DistributedDataParallel
    if (ALIAS.test(name)) continue;
    if (!(v instanceof TorchTensor)) throw bad(`network_weights['${name}'] is not a tensor`);
    // a parameter owns its values: one that repeats its storage (stride 0) would expand to any size in memory
    const stored = v.storage.bytes.length / DTYPE_BYTES[v.storage.dtype];
    if (v.size > stored) throw bad(`network_weights['${name}'] has shape [${v.shape}] (${v.size} values) over a storage of ${stored}: not a network weight`);
    weights.set(name, torchToOurs(v.shape, tensorToFloat32(v)));
  }
  const init = root.get('init_args');
  const fold = field(init, 'fold');
  const epoch = root.get('current_epoch');
  return {
    weights,
    trainerName: String(root.get('trainer_name') ?? 'nnUNetTrainer'),
    configuration: typeof field(init, 'configuration') === 'string' ? (field(init, 'configuration') as string) : null,
    fold: typeof fold === 'number' ? fold : fold === 'all' ? 'all' : null,
    plans: field(init, 'plans') === undefined ? null : toPlain(field(init, 'plans')!, `${file} init_args.plans`),
    datasetJson: field(init, 'dataset_json') === undefined ? null : toPlain(field(init, 'dataset_json')!, `${file} init_args.dataset_json`),
    mirrorAxes: fromTuple(root.get('inference_allowed_mirroring_axes')) ?? [],
    currentEpoch: typeof epoch === 'number' ? epoch : null,
  };
}

export async function readNnunetCheckpoint(file: string): Promise<NnunetCheckpoint> {
  return parseNnunetCheckpoint(await readPth(file), file);
}

export function loadNnunetCheckpoint(buf: Buffer, file: string): NnunetCheckpoint {
  return parseNnunetCheckpoint(loadPth(buf, file), file);
}

export interface NnunetCheckpointContent {
  /** our parameters in order: name, our shape, values */
  params: { name: string; shape: number[]; data: Float32Array }[];
  plans: unknown;
  configuration: string;
  fold: number | 'all';
  datasetJson: unknown;
  mirrorAxes: number[];
  currentEpoch: number;
  bestEma: number | null;
  trainerName?: string;
}

const toSave = (v: unknown): SaveValue => {
  if (v === null || v === undefined || typeof v !== 'object') return v as SaveValue;
  if (Array.isArray(v)) return v.map(toSave);
  return new Map(Object.entries(v).map(([k, x]) => [k as PyKey, toSave(x)])) as SaveValue;
};

/** checkpoint_final.pth bytes that nnUNetv2_predict loads (load_state_dict strict: every alias is written). */
export function nnunetCheckpointBuffer(c: NnunetCheckpointContent, file: string): Buffer {
  const sd = new PyOrderedDict();
  for (const p of c.params) {
    const t = oursToTorch(p.shape, p.data);
    const tensor = new Float32Tensor(t.data, t.shape);
    for (const alias of torchAliases(p.name)) sd.set(alias, tensor as unknown as PyValue);
  }
  // encoder entries and their decoder.encoder copies in the order torch's state_dict lists them
  const ordered = new PyOrderedDict([...sd.entries()].sort(([a], [b]) => rank(String(a)) - rank(String(b))));
  return torchSaveBuffer(new Map<PyKey, SaveValue>([
    ['network_weights', ordered],
    ['grad_scaler_state', null],
    ['logging', new Map()],
    ['_best_ema', c.bestEma],
    ['current_epoch', c.currentEpoch],
    ['init_args', new Map<PyKey, SaveValue>([
      ['plans', toSave(c.plans)], ['configuration', c.configuration], ['fold', c.fold], ['dataset_json', toSave(c.datasetJson)],
      ['unpack_dataset', true], ['device', new PyObject('torch.device', ['cpu'])],
    ])],
    ['trainer_name', c.trainerName ?? 'nnUNetTrainer'],
    ['inference_allowed_mirroring_axes', new PyTuple(c.mirrorAxes)],
  ]), file, 'checkpoint_final');
}

const rank = (k: string) => (k.startsWith('encoder.') ? 0 : k.startsWith('decoder.encoder.') ? 1 : 2);
