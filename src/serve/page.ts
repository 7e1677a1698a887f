/** The HTML shell every page shares: the page's own script fills `<main>` from the JSON API. */
import { esc } from '../report/escape.js';

export function pageHtml(title: string, script: string, data: Record<string, string> = {}): string {
  const attrs = Object.entries(data).map(([k, v]) => ` data-${k}="${esc(v)}"`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · nnU-Net</title><link rel="stylesheet" href="/assets/app.css"></head>
<body><header class="top"><a class="brand" href="/">nnU-Net</a><span class="crumb">${esc(title)}</span></header>
<main id="app"${attrs}><p class="loading">loading…</p></main>
<script type="module" src="/assets/${esc(script)}.js"></script></body></html>`;
}
