// spec §1.3: which reader/writer class nnU-Net picks for a file ending (recorded as image_reader_writer).
const READERS: ReadonlyArray<[string, readonly string[]]> = [
  ['NaturalImage2DIO', ['.png', '.bmp', '.tif']],
  ['SimpleITKIO', ['.nii.gz', '.nrrd', '.mha', '.gipl']],
  ['Tiff3DIO', ['.tif', '.tiff']],
  ['NibabelIO', ['.nii', '.nii.gz']],
  ['NibabelIOWithReorient', ['.nii', '.nii.gz']],
];

/**
 * The first class supporting the ending, or the dataset.json override. nnU-Net also tries to open the first
 * image with each candidate; planning from a fingerprint has no image, so the ending alone decides.
 */
export function readerWriterFor(fileEnding: string, override?: string): string | undefined {
  if (override && override !== 'None' && READERS.some(([name]) => name === override)) return override;
  const ending = fileEnding.toLowerCase();
  return READERS.find(([, endings]) => endings.includes(ending))?.[0];
}
