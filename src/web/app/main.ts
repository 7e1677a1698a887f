/// <reference lib="dom" />
/**
 * The exported page: loads the model, takes a dropped NIfTI, segments it with segment.ts, shows image and labels
 * in niivue and offers the label map for download. `document.body.dataset.state` (loading, ready, running, done,
 * error) tells tests and scripts where it is; `dataset.backend`, `dataset.ops` (the op table: 'webgpu' for our WGSL
 * kernels, 'reference' for stock tfjs), `dataset.convs` and `dataset.precision` (webgpu's conv kernel policy and
 * f32 / f16 convolutions) and, after a run,
 * `dataset.kernels` (the Nn* kernels that ran, counted) and, when tuning, `dataset.convChoices` (timed shapes per
 * kernel family) what computed it.
 */
import { Niivue, SHOW_RENDER } from '@niivue/niivue';
import { convChoices } from '../../nn/webgpu/conv-tuner.js';
import { startBackend } from './backend.js';
import { countKernelRuns, describeCensus } from './kernel-census.js';
import { loadWebModel, type LoadedWebModel } from './load-model.js';
import { segmentNifti, type Segmentation } from './segment.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const PALETTE: Array<[number, number, number]> = [
  [230, 85, 70], [70, 160, 240], [250, 200, 60], [90, 200, 120], [190, 110, 230], [240, 140, 40], [60, 210, 210], [240, 110, 180],
];
const colour = (i: number) => PALETTE[(i - 1) % PALETTE.length];

function setState(state: string, message?: string): void {
  document.body.dataset.state = state;
  if (message !== undefined) $('status').textContent = message;
}

function showError(e: unknown): void {
  const err = e as Error & { code?: string };
  $('error').textContent = err.code ? `${err.message} [${err.code}]` : err.message;
  $('error').hidden = false;
  setState('error', 'failed');
  console.error(e);
}

function progress(fraction: number, text: string): void {
  $<HTMLDivElement>('bar').style.width = `${(100 * fraction).toFixed(1)}%`;
  $('progress-text').textContent = `${text} - ${Math.round(100 * fraction)}%`;
}

const sizeText = (bytes: number) => (bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(1)} kB` : `${(bytes / 2 ** 20).toFixed(1)} MB`);

/** Foreground labels of dataset.json with their value, in order ('ignore' left out). */
function labelsOf(loaded: LoadedWebModel): Array<{ name: string; value: number }> {
  return Object.entries(loaded.model.datasetJson.labels)
    .filter(([name]) => name !== 'ignore')
    .map(([name, v]) => ({ name, value: typeof v === 'number' ? v : Math.max(...v) }))
    .filter((l) => l.value !== 0);
}

function describeModel(loaded: LoadedWebModel, backend: string, ops: string): void {
  const { model } = loaded;
  $('model').textContent = `${model.plans.dataset_name} · ${model.configuration} · fold${model.folds.length > 1 ? 's' : ''} ${model.folds.join(', ')}` +
    ` · patch ${model.config.patch_size.join('×')} · ${sizeText(loaded.weightBytes)} of weights`;
  $('backend').textContent = ops === 'webgpu' ? `${backend} · WGSL kernels` : `${backend} · ${ops} ops`;
  const legend = $('legend');
  legend.replaceChildren(...labelsOf(loaded).map(({ name, value }) => {
    const chip = document.createElement('span');
    chip.className = 'chip';
    chip.dataset.label = String(value);
    chip.innerHTML = '<i></i><b></b><em></em>';
    (chip.firstChild as HTMLElement).style.background = `rgb(${colour(value).join(',')})`;
    chip.querySelector('b')!.textContent = name;
    return chip;
  }));
}

async function show(nv: Niivue, file: File, result: Segmentation, loaded: LoadedWebModel): Promise<void> {
  const imageUrl = URL.createObjectURL(file);
  const segUrl = URL.createObjectURL(new Blob([result.file as BlobPart]));
  const segName = file.name.replace(/(_0000)?\.nii(\.gz)?$/i, '') + '_seg.nii' + (file.name.toLowerCase().endsWith('.gz') ? '.gz' : '');
  await nv.loadVolumes([{ url: imageUrl, name: file.name }, { url: segUrl, name: segName, opacity: Number($<HTMLInputElement>('opacity').value) }]);
  const labels = labelsOf(loaded);
  const max = Math.max(1, ...labels.map((l) => l.value));
  const values = Array.from({ length: max + 1 }, (_, i) => i);
  nv.volumes[1].setColormapLabel({
    R: values.map((v) => (v === 0 ? 0 : colour(v)[0])), G: values.map((v) => (v === 0 ? 0 : colour(v)[1])),
    B: values.map((v) => (v === 0 ? 0 : colour(v)[2])), A: values.map((v) => (v === 0 ? 0 : 255)), I: values,
    labels: values.map((v) => labels.find((l) => l.value === v)?.name ?? ''),
  });
  nv.updateGLVolume();
  // voxel counts per label beside the legend
  const counts = new Map<number, number>();
  for (const v of result.seg) counts.set(v, (counts.get(v) ?? 0) + 1);
  document.querySelectorAll<HTMLElement>('#legend .chip').forEach((chip) => {
    chip.querySelector('em')!.textContent = `${(counts.get(Number(chip.dataset.label)) ?? 0).toLocaleString('en')} voxels`;
  });
  const save = $<HTMLAnchorElement>('save');
  save.href = segUrl;
  save.download = segName;
  save.hidden = false;
  const s = result.seconds;
  const total = Object.values(s).reduce((a, b) => a + b, 0);
  $('timing').textContent = `${total.toFixed(1)} s: ` + Object.entries(s).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(' · ');
}

async function main(): Promise<void> {
  setState('loading', 'starting tfjs…');
  const params = new URLSearchParams(location.search);
  const backend = await startBackend(params);
  document.body.dataset.backend = backend.name;
  document.body.dataset.ops = backend.ops;
  if (backend.convs) document.body.dataset.convs = backend.convs;
  if (backend.precision) document.body.dataset.precision = backend.precision;
  const census = countKernelRuns(backend.name);
  if (backend.skipped.length) $('backend').title = backend.skipped.join('\n');
  setState('loading', 'loading the model…');
  const loaded = await loadWebModel(new URL('model/', location.href).href, (done, total) => progress(done / total, `loading fold ${done} of ${total}`));
  describeModel(loaded, backend.name, backend.ops);
  progress(0, 'waiting for an image');

  const nv = new Niivue({ backColor: [0.06, 0.07, 0.09, 1], show3Dcrosshair: true, crosshairColor: [0.6, 0.64, 0.72, 0.8], crosshairWidth: 0.5, loadingText: 'the image and its segmentation appear here', multiplanarShowRender: SHOW_RENDER.ALWAYS });
  await nv.attachToCanvas($<HTMLCanvasElement>('viewer'));
  nv.setSliceType(nv.sliceTypeMultiplanar);
  $<HTMLInputElement>('opacity').addEventListener('input', (e) => {
    if (nv.volumes.length > 1) nv.setOpacity(1, Number((e.target as HTMLInputElement).value));
  });
  document.querySelectorAll<HTMLButtonElement>('[data-view]').forEach((b) => b.addEventListener('click', () => {
    const views: Record<string, number> = {
      axial: nv.sliceTypeAxial, coronal: nv.sliceTypeCoronal, sagittal: nv.sliceTypeSagittal, multi: nv.sliceTypeMultiplanar, render: nv.sliceTypeRender,
    };
    nv.setSliceType(views[b.dataset.view!]);
  }));

  let busy = false;
  const run = async (file: File) => {
    if (busy) return;
    busy = true;
    $('error').hidden = true;
    $<HTMLAnchorElement>('save').hidden = true;
    $('input-name').textContent = file.name;
    setState('running', `segmenting ${file.name}`);
    census.reset();
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const result = await segmentNifti(bytes, file.name, loaded.model, loaded.web.postprocessing,
        (fraction, phase, detail) => progress(fraction, detail ? `${phase}: ${detail}` : phase));
      await show(nv, file, result, loaded);
      progress(1, 'done');
      const kernels = describeCensus(census.counts());
      document.body.dataset.kernels = kernels;
      if (backend.convs === 'tune') document.body.dataset.convChoices = JSON.stringify(convChoices());
      setState('done', `${file.name} segmented on ${backend.name} (${backend.ops} ops; Nn* kernels: ${kernels})`);
    } catch (e) {
      showError(e);
    } finally {
      busy = false;
    }
  };
  const input = $<HTMLInputElement>('file');
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    // cleared, so that choosing the same file again (after an error, say) fires 'change' again
    input.value = '';
    if (file) void run(file);
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file) void run(file);
  });
  setState('ready', 'ready: drop a NIfTI image');
}

main().catch(showError);
