/** A few DOM helpers for the page scripts (no framework: the pages are small). */
export { esc, fmt, seconds } from '../../report/escape.js';
import { STATUS_COLORS } from '../../report/dag-svg.js';

export const $ = <T extends Element = HTMLElement>(sel: string, root: ParentNode = document): T => root.querySelector<T>(sel)!;

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { credentials: 'same-origin' });
  const body = await res.json() as T & { error?: { code: string; message: string } };
  if (!res.ok) throw new Error(body.error ? `${body.error.message} [${body.error.code}]` : `${res.status} ${res.statusText}`);
  return body;
}

export function badge(status: string): string {
  return `<span class="badge" data-status="${status}" style="background:${STATUS_COLORS[status] ?? '#616e7c'}">${status}</span>`;
}

export function showError(where: HTMLElement, err: unknown): void {
  where.innerHTML = `<pre class="error">${String((err as Error).message ?? err).replace(/[&<]/g, (c) => (c === '&' ? '&amp;' : '&lt;'))}</pre>`;
}

export function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
