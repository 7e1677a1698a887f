/**
 * A case in niivue: the image, with the reference (green) and the prediction (red) as overlays, read from the
 * stored NIfTI bytes so the geometry is the files' own. Axial, coronal, sagittal, all three, or 3D; an opacity
 * slider per overlay. niivue is loaded (a chunk of this bundle) only when a case is first opened.
 */
import type { CaseFile, CaseView } from '../shared/types.js';
import { esc } from './dom.js';

type NV = import('@niivue/niivue').Niivue;
let nv: NV | undefined;
let canvasOf: HTMLCanvasElement | undefined;
/** the latest openCase call: an earlier one still loading must not write into the case opened after it */
let latest = 0;

const OVERLAYS: Array<{ which: CaseFile; colormap: string; color: string; opacity: number }> = [
  { which: 'reference', colormap: 'green', color: '#2f9e44', opacity: 0.45 },
  { which: 'prediction', colormap: 'red', color: '#e03131', opacity: 0.45 },
];

const VIEWS = [['axial', 'sliceTypeAxial'], ['coronal', 'sliceTypeCoronal'], ['sagittal', 'sliceTypeSagittal'],
  ['all three', 'sliceTypeMultiplanar'], ['3D', 'sliceTypeRender']] as const;

export async function openCase(box: HTMLElement, runId: string, row: number, c: CaseView): Promise<void> {
  const call = ++latest;
  try {
    await showCase(box, runId, row, c, () => call !== latest);
  } catch (err) {
    if (call === latest) throw err;
  }
}

async function showCase(box: HTMLElement, runId: string, row: number, c: CaseView, stale: () => boolean): Promise<void> {
  const { Niivue } = await import('@niivue/niivue');
  if (stale()) return;
  const present = OVERLAYS.filter((o) => c.files[o.which]);
  box.hidden = false;
  box.innerHTML = `<h2>${esc(c.id)} <span class="muted" style="font-weight:400">${esc(c.configuration)} · mean Dice ${c.mean === null ? '–' : c.mean.toFixed(4)}</span></h2>
    <div class="viewer"><div><canvas id="niivue"></canvas></div><div>
    <div class="toolbar">${VIEWS.map(([label, key]) => `<button data-view="${key}"${key === 'sliceTypeMultiplanar' ? ' class="on"' : ''}>${label}</button>`).join('')}</div>
    ${present.map((o, i) => `<label><span class="swatch" style="background:${o.color}"></span>${o.which} (${esc(c.files[o.which]!)}) opacity
      <input type="range" min="0" max="1" step="0.05" value="${o.opacity}" data-volume="${i + 1}"></label>`).join('')}
    <p class="legend">image: ${esc(c.files.image ?? '')}<br>Drag to move the crosshair; scroll to change slices; in 3D, drag to rotate.</p>
    <p class="legend" id="viewer-status">loading…</p></div></div>`;
  // one canvas, one WebGL context for every case: the browser drops the oldest after about 16
  if (canvasOf) box.querySelector('#niivue')!.replaceWith(canvasOf);
  const canvas = box.querySelector<HTMLCanvasElement>('#niivue')!;
  if (!nv || canvasOf !== canvas) {
    nv = new Niivue({ backColor: [0, 0, 0, 1], show3Dcrosshair: true, isResizeCanvas: true, crosshairWidth: 0.2, crosshairColor: [1, 0.85, 0.2, 0.6] });
    await nv.attachToCanvas(canvas);
    canvasOf = canvas;
  }
  const viewer = nv;
  const url = (which: CaseFile): string => `/api/runs/${encodeURIComponent(runId)}/cases/${row}/${which}`;
  await viewer.loadVolumes([
    { url: url('image'), name: c.files.image ?? 'image.nii.gz' },
    ...present.map((o) => ({ url: url(o.which), name: c.files[o.which]!, colormap: o.colormap, opacity: o.opacity, cal_min: 0.5, cal_max: 1 })),
  ]);
  if (stale()) return;
  viewer.setSliceType(viewer.sliceTypeMultiplanar);
  box.querySelector('#viewer-status')!.textContent = `${viewer.volumes.length} volumes loaded, ${viewer.volumes[0]?.dims?.slice(1, 4).join(' × ') ?? ''} voxels`;
  box.querySelectorAll<HTMLButtonElement>('button[data-view]').forEach((b) => b.addEventListener('click', () => {
    box.querySelectorAll('button[data-view]').forEach((x) => x.classList.toggle('on', x === b));
    viewer.setSliceType(viewer[b.dataset.view as (typeof VIEWS)[number][1]]);
  }));
  box.querySelectorAll<HTMLInputElement>('input[data-volume]').forEach((s) => s.addEventListener('input', () => {
    viewer.setOpacity(Number(s.dataset.volume), Number(s.value));
  }));
  box.scrollIntoView({ behavior: 'smooth', block: 'start' });
}
