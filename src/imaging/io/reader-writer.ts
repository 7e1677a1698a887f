// spec §1.3: nnU-Net's reader/writer classes, which one it picks for a file ending (recorded as image_reader_writer),
// and the dataset.json override (`overwrite_image_reader_writer`).
export const READER_WRITERS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['NaturalImage2DIO', ['.png', '.bmp', '.tif']],
  ['SimpleITKIO', ['.nii.gz', '.nrrd', '.mha', '.gipl']],
  ['Tiff3DIO', ['.tif', '.tiff']],
  ['NibabelIO', ['.nii', '.nii.gz']],
  ['NibabelIOWithReorient', ['.nii', '.nii.gz']],
];

/** The override as nnU-Net reads it: absent, or the string "None", means unset. */
export const readerWriterOverride = (value: unknown): string | undefined =>
  value === undefined || value === null || value === 'None' ? undefined : String(value);

/** Why an override cannot be used with `fileEnding` (unknown class, or one that does not read that ending), or null. */
export function readerWriterProblem(name: string, fileEnding: string): string | null {
  const known = READER_WRITERS.find(([n]) => n === name);
  if (!known) return `unknown reader/writer '${name}' (accepted: ${READER_WRITERS.map(([n]) => n).join(', ')}, or "None")`;
  if (!known[1].includes(fileEnding.toLowerCase())) return `${name} reads ${known[1].join(' ')} files, not file_ending '${fileEnding}'`;
  return null;
}

/**
 * The dataset.json override, else the first class supporting the ending. nnU-Net also tries to open the first
 * image with each candidate; planning from a fingerprint has no image, so the ending alone decides.
 */
export function readerWriterFor(fileEnding: string, override?: string): string | undefined {
  const name = readerWriterOverride(override);
  if (name && READER_WRITERS.some(([n]) => n === name)) return name;
  const ending = fileEnding.toLowerCase();
  return READER_WRITERS.find(([, endings]) => endings.includes(ending))?.[0];
}

/** Whether the class hands the network RAS-reoriented arrays and writes back in the file's orientation. */
export const reorientsToRas = (readerWriter: string | undefined): boolean => readerWriter === 'NibabelIOWithReorient';
