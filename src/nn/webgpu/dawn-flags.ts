/**
 * NNUNET_DAWN_TOGGLES as the flag list Dawn's `create()` takes. Dawn's own flag values are comma lists
 * (`enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia`), and the variable is a comma list of
 * flags: a piece without `=` belongs to the flag before it, so both read the way they are written. Splitting on
 * every comma used to hand Dawn the bare second toggle, which it rejects ("Flags expected argument format is
 * <key>=<value>"), so asking for two features stopped WebGPU from starting at all.
 */
export function dawnFlags(spec: string | undefined): string[] {
  const flags: string[] = [];
  for (const piece of (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    if (piece.includes('=') || flags.length === 0) flags.push(piece);
    else flags[flags.length - 1] += `,${piece}`;
  }
  return flags;
}
