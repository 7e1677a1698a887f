/**
 * dataset.json as nnU-Net reads it (spec §1.2), and the case listing our `dataset` node writes next to it.
 */

/** A label value: an int, or a region (list of ints). */
export type LabelValue = number | number[];

export interface DatasetJson {
  /** channel index as string -> name; the name selects the normalization (spec §3.9) */
  channel_names?: Record<string, string>;
  /** legacy name of channel_names */
  modality?: Record<string, string>;
  /** name -> value, in order (order matters for regions); 'background' = 0, optional 'ignore' */
  labels: Record<string, LabelValue>;
  numTraining: number;
  file_ending: string;
  regions_class_order?: number[];
  overwrite_image_reader_writer?: string;
  /** alternative to folders: case id -> files (relative to the dataset folder) */
  dataset?: Record<string, { images: string[]; label: string }>;
  [key: string]: unknown;
}

/** One case's files, absolute paths. */
export interface CaseFiles {
  id: string;
  /** one file per channel, in channel order */
  images: string[];
  /** absent for test cases */
  label?: string;
}

/** cases.json as `readCaseListing` returns it, every path absolute (on disk they are relative: listing.ts). */
export interface CaseListing {
  /** dataset name used in plans (the raw folder's name, e.g. Dataset004_Hippocampus) */
  name: string;
  /** kind@version of the dataset node that validated these cases */
  validator?: string;
  /** the raw dataset folder */
  root: string;
  file_ending: string;
  /** training cases, sorted by id */
  training: Array<CaseFiles & { label: string; digest: string }>;
  /** imagesTs cases, sorted by id (may be empty) */
  test: CaseFiles[];
}

/** `data` of each item the dataset node lists (one per training case). */
export interface CaseItemData {
  images: string[];
  label: string;
  /** dataset.json's overwrite_image_reader_writer, only when it is set (the class every read of the case goes through) */
  reader_writer?: string;
  [key: string]: string | string[] | undefined;
}

/** The channel-name table whatever key the file uses. */
export function channelNames(ds: DatasetJson): Record<string, string> {
  return ds.channel_names ?? ds.modality ?? {};
}
