/**
 * Loading an image dataset from a folder of class folders.
 *
 * @module
 */
import { join } from "node:path";
import type { ImageDataset } from "../types.ts";
import { decodeImage } from "./image_decode.ts";
import { resizeImage } from "./resize.ts";

/** Options of {@linkcode loadFolderDataset}. */
export interface FolderDatasetOptions {
  /**
   * Height every image is resized to.
   * @default {64}
   */
  height?: number;
  /**
   * Width every image is resized to.
   * @default {64}
   */
  width?: number;
  /**
   * Channels every image is converted to: 1 (grey) or 3 (RGB).
   * @default {3}
   */
  channels?: 1 | 3;
  /**
   * Classes with fewer images (after skipping corrupt ones) are dropped with a warning.
   * @default {1}
   */
  minPerClass?: number;
  /**
   * Throw on the first corrupt image instead of skipping it with a warning.
   * @default {false}
   */
  strict?: boolean;
  /**
   * How many files are read at the same time. Reading overlaps; decoding and resizing run
   * on the calling thread, one image at a time.
   * @default {16}
   */
  concurrency?: number;
}

/** File names the folder loaders read as images (by extension; decoded by content). */
export const IMAGE_EXTENSION: RegExp = /\.(png|jpe?g)$/i;
const MAX_NAMES = 10;

/**
 * Natural order, fixed to the "en" collation so that it does not depend on the machine:
 * `pl20 < pl100`, `img2.png < img10.png`.
 */
const naturalOrder = new Intl.Collator("en", { numeric: true }).compare;

/** `1 class`, `2 classes`. */
function count(n: number, singular: string, plural: string): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** `a, b, c` or `a, b, ... and 7 more`. */
function listNames(names: string[]): string {
  if (names.length <= MAX_NAMES) return names.join(", ");
  return `${names.slice(0, MAX_NAMES).join(", ")} and ${names.length - MAX_NAMES} more`;
}

interface ClassFolder {
  name: string;
  /** Image paths, in natural order. */
  files: string[];
}

interface Listing {
  folders: ClassFolder[];
  /** Non-image entries skipped (stray files, nested folders). */
  skipped: number;
}

/** A folder entry, a symbolic link read as what it points to. */
interface Entry {
  name: string;
  isDirectory: boolean;
  isFile: boolean;
}

/**
 * The entries of `path` in natural order. A symbolic link counts as its target (a linked
 * class folder or image loads like a real one); a dangling link or a link loop is left
 * out and named in `broken`.
 */
async function listDir(path: string, broken?: Set<string>): Promise<Entry[]> {
  const entries: Entry[] = [];
  for await (const entry of Deno.readDir(path)) {
    if (!entry.isSymlink) {
      entries.push(entry);
      continue;
    }
    const link = join(path, entry.name);
    try {
      const target = await Deno.stat(link);
      entries.push({ name: entry.name, isDirectory: target.isDirectory, isFile: target.isFile });
    } catch (error) {
      const why = error instanceof Deno.errors.NotFound
        ? "dangling"
        : error instanceof Deno.errors.FilesystemLoop
        ? "a link loop"
        : (error as Error).message;
      broken?.add(`${link} (${why})`);
    }
  }
  return entries.sort((a, b) => naturalOrder(a.name, b.name));
}

/** Lists `dir/<class>/<image>`; files directly in `dir` count as skipped. */
async function listClassFolders(dir: string, broken: Set<string>): Promise<Listing> {
  const folders: ClassFolder[] = [];
  let skipped = 0;
  for (const entry of await listDir(dir, broken)) {
    if (!entry.isDirectory) {
      skipped++;
      continue;
    }
    const files: string[] = [];
    for (const file of await listDir(join(dir, entry.name), broken)) {
      if (file.isFile && IMAGE_EXTENSION.test(file.name)) {
        files.push(join(dir, entry.name, file.name));
      } else skipped++;
    }
    folders.push({ name: entry.name, files });
  }
  return { folders, skipped };
}

const CHANNEL_NAMES: Record<number, string> = { 1: "grey", 3: "RGB", 4: "RGBA" };

/**
 * When the decoded images do not all share one size and channel count: how many differ
 * from the most common shape, and what they are. One uniform shape (even one that is
 * resized) is the expected case and says nothing.
 */
function mixedShapeWarning(shapes: (string | undefined)[], target: string): string | undefined {
  const counts = new Map<string, number>();
  for (const shape of shapes) if (shape) counts.set(shape, (counts.get(shape) ?? 0) + 1);
  if (counts.size < 2) return undefined;
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || naturalOrder(a[0], b[0]));
  const total = sorted.reduce((n, [, c]) => n + c, 0);
  const others = sorted.slice(1);
  const differ = total - sorted[0][1];
  const shown = others.slice(0, 5).map(([shape, n]) => `${shape}: ${n}`).join(", ") +
    (others.length > 5 ? `, and ${others.length - 5} more shapes` : "");
  return `Images of mixed sizes or channels: ${differ} of ${total} differ from the most ` +
    `common ${sorted[0][0]} (${shown}); all were resized and converted to ${target}`;
}

/** Runs `task` over `0..count-1` with at most `concurrency` in flight. */
async function forEachLimited(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

function checkPositiveInteger(value: number, key: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`Invalid ${key} ${value}: must be a positive integer`);
  }
}

/** The options of {@linkcode loadFolderDataset}, checked, with the defaults filled in. */
type ResolvedFolderOptions = Required<FolderDatasetOptions>;

/** Checks the options of {@linkcode loadFolderDataset} and fills in the defaults. */
function checkFolderOptions(options: FolderDatasetOptions): ResolvedFolderOptions {
  const {
    height = 64,
    width = 64,
    channels = 3,
    minPerClass = 1,
    strict = false,
    concurrency = 16,
  } = options;
  checkPositiveInteger(height, "height");
  checkPositiveInteger(width, "width");
  checkPositiveInteger(minPerClass, "minPerClass");
  checkPositiveInteger(concurrency, "concurrency");
  if (channels !== 1 && channels !== 3) {
    throw new RangeError(`Invalid channels ${channels}: must be 1 or 3`);
  }
  return { height, width, channels, minPerClass, strict, concurrency };
}

/** Throws unless `root` exists and is a directory. */
async function checkRootFolder(root: string, where: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(root);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(`${where}: path does not exist`);
    }
    throw error;
  }
  if (!info.isDirectory) throw new TypeError(`${where}: not a directory`);
}

/** The class folders of a dataset, one listing per side (pooled: one; pre-split: train, test). */
interface DatasetLayout {
  /** Whether `root` holds `train/` and `test/` folders of class folders. */
  preSplit: boolean;
  /** The class folders of each side. */
  sides: Listing[];
  /** Non-image entries skipped, over all sides. */
  skipped: number;
}

/** Lists the class folders; pre-split when root's train/ and test/ hold class folders. */
async function listLayout(root: string, broken: Set<string>): Promise<DatasetLayout> {
  const top = await listDir(root);
  const isDir = (name: string) => top.some((e) => e.name === name && e.isDirectory);
  let sides: Listing[];
  const preSplit = isDir("train") && isDir("test") &&
    (await listDir(join(root, "train"))).some((e) => e.isDirectory);
  let skipped = 0;
  if (preSplit) {
    sides = [
      await listClassFolders(join(root, "train"), broken),
      await listClassFolders(join(root, "test"), broken),
    ];
    skipped = top.filter((e) => e.name !== "train" && e.name !== "test").length;
    await listDir(root, broken);
  } else {
    sides = [await listClassFolders(root, broken)];
  }
  for (const side of sides) skipped += side.skipped;
  return { preSplit, sides, skipped };
}

/** The warnings of the listing: broken symbolic links, then non-image entries. */
function listingWarnings(broken: Set<string>, skipped: number, root: string): string[] {
  const warnings: string[] = [];
  if (broken.size > 0) {
    const names = [...broken].sort(naturalOrder);
    warnings.push(
      `Skipped ${count(names.length, "broken symbolic link", "broken symbolic links")}: ${
        listNames(names)
      }`,
    );
  }
  if (skipped > 0) {
    warnings.push(
      `Skipped ${skipped} non-image ${skipped === 1 ? "entry" : "entries"} in "${root}"`,
    );
  }
  return warnings;
}

/** The class names of every side in natural order, and those without images (warned about). */
function classFolders(
  sides: Listing[],
  where: string,
  warnings: string[],
): { classNames: string[]; empty: string[] } {
  const classNames = [...new Set(sides.flatMap((s) => s.folders.map((f) => f.name)))]
    .sort(naturalOrder);
  const empty = classNames.filter((name) =>
    sides.every((s) => (s.folders.find((f) => f.name === name)?.files.length ?? 0) === 0)
  );
  if (empty.length === classNames.length) {
    throw new SyntaxError(`${where}: no class folders with images found`);
  }
  if (empty.length > 0) {
    warnings.push(
      `Skipped ${count(empty.length, "class folder", "class folders")} without images: ` +
        listNames(empty),
    );
  }
  return { classNames, empty };
}

/** An image file to load: its side (0: train or the pool, 1: test), class and path. */
interface Candidate {
  side: number;
  className: string;
  path: string;
}

/** Every candidate file, side by side, class by class, file by file. */
function candidateFiles(sides: Listing[], classNames: string[]): Candidate[] {
  const candidates: Candidate[] = [];
  sides.forEach((listing, side) => {
    const byName = new Map(listing.folders.map((f) => [f.name, f]));
    for (const className of classNames) {
      for (const path of byName.get(className)?.files ?? []) {
        candidates.push({ side, className, path });
      }
    }
  });
  return candidates;
}

/**
 * Reads, decodes and resizes every candidate: its pixels, or `undefined` when corrupt (with
 * a warning; `strict` throws), and a warning when the images' shapes are mixed.
 */
async function decodeCandidates(
  candidates: Candidate[],
  { height, width, channels, strict, concurrency }: ResolvedFolderOptions,
  warnings: string[],
): Promise<(Uint8Array | undefined)[]> {
  const pixels: (Uint8Array | undefined)[] = new Array(candidates.length);
  /** Each decoded image's own shape, `WxH RGB`, for the mixed-shape warning. */
  const shapes: (string | undefined)[] = new Array(candidates.length);
  const corrupt: string[] = [];
  let firstError: unknown;
  await forEachLimited(candidates.length, concurrency, async (i) => {
    if (firstError) return;
    const path = candidates[i].path;
    try {
      const image = decodeImage(await Deno.readFile(path), path);
      pixels[i] = resizeImage(image, { height, width, channels });
      shapes[i] = `${image.width}x${image.height} ${CHANNEL_NAMES[image.channels]}`;
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      if (strict) firstError ??= error;
      corrupt.push(path);
    }
  });
  if (firstError) throw firstError;
  if (corrupt.length > 0) {
    corrupt.sort(naturalOrder);
    warnings.push(
      `Skipped ${count(corrupt.length, "corrupt image", "corrupt images")}: ${listNames(corrupt)}`,
    );
  }
  const mixed = mixedShapeWarning(shapes, `${width}x${height} ${CHANNEL_NAMES[channels]}`);
  if (mixed) warnings.push(mixed);
  return pixels;
}

/** What is known of the loaded images when the classes are chosen. */
interface Loaded {
  preSplit: boolean;
  classNames: string[];
  /** Class folders without images. */
  empty: string[];
  candidates: Candidate[];
  /** Each candidate's pixels; `undefined` when it could not be read. */
  pixels: (Uint8Array | undefined)[];
}

/**
 * The classes kept: those with at least `minPerClass` readable images and, pooled, at least
 * two; the others dropped with a warning. Pre-split, warns of kept classes without training
 * images.
 */
function keptClasses(
  { preSplit, classNames, empty, candidates, pixels }: Loaded,
  minPerClass: number,
  where: string,
  warnings: string[],
): string[] {
  const counts = new Map<string, number>();
  candidates.forEach((c, i) => {
    if (pixels[i]) counts.set(c.className, (counts.get(c.className) ?? 0) + 1);
  });
  const nonEmpty = classNames.filter((name) => !empty.includes(name));
  const fewer = nonEmpty.filter((name) => (counts.get(name) ?? 0) < minPerClass);
  if (fewer.length > 0) {
    const why = minPerClass === 1
      ? "no readable image"
      : `fewer than ${minPerClass} readable images`;
    warnings.push(
      `Dropped ${count(fewer.length, "class", "classes")} with ${why}: ${listNames(fewer)}`,
    );
  }
  let kept = nonEmpty.filter((name) => !fewer.includes(name));
  if (!preSplit) {
    const single = kept.filter((name) => (counts.get(name) ?? 0) < 2);
    if (single.length > 0) {
      warnings.push(
        `Dropped ${count(single.length, "class", "classes")} with a single image (it cannot be ` +
          `split into train and test): ${listNames(single)}`,
      );
    }
    kept = kept.filter((name) => !single.includes(name));
  }
  if (kept.length === 0) {
    throw new RangeError(
      `${where}: no class left after filtering (each needs at least ${
        Math.max(minPerClass, preSplit ? 1 : 2)
      } readable images)`,
    );
  }
  if (preSplit) {
    const noTrain = kept.filter((name) =>
      !candidates.some((c, i) => c.side === 0 && c.className === name && pixels[i])
    );
    if (noTrain.length > 0) {
      warnings.push(
        `${count(noTrain.length, "class has", "classes have")} no training images: ` +
          listNames(noTrain),
      );
    }
  }
  return kept;
}

/** The dataset of the kept classes' readable images, labelled by their index in `kept`. */
function assembleDataset(
  root: string,
  { preSplit, candidates, pixels }: Loaded,
  kept: string[],
  { height, width, channels }: ResolvedFolderOptions,
  warnings: string[],
): ImageDataset {
  const size = height * width * channels;
  const label = new Map(kept.map((name, i) => [name, i]));
  const chosen = candidates.flatMap((c, i) => (pixels[i] && label.has(c.className) ? [i] : []));
  const images = new Uint8Array(chosen.length * size);
  const labels = new Int32Array(chosen.length);
  const files: string[] = [];
  const train: number[] = [];
  const test: number[] = [];
  chosen.forEach((i, k) => {
    images.set(pixels[i]!, k * size);
    labels[k] = label.get(candidates[i].className)!;
    files.push(candidates[i].path);
    (candidates[i].side === 0 ? train : test).push(k);
  });
  const dataset: ImageDataset = {
    source: root,
    images,
    labels,
    classNames: kept,
    height,
    width,
    channels,
    files,
    warnings,
  };
  if (preSplit) {
    dataset.predefinedSplit = { train: Int32Array.from(train), test: Int32Array.from(test) };
  }
  return dataset;
}

/**
 * Loads a folder of class folders into an in-memory dataset, resizing every image to one
 * shape.
 *
 * Two layouts are recognised:
 * - one pool, `root/<class>/*.{png,jpg,jpeg}` (split it with `stratifiedSplit`);
 * - pre-split, `root/train/<class>/*` and `root/test/<class>/*`: the samples are the
 *   training ones then the test ones, `predefinedSplit` says which, and the classes are the
 *   union of both sides.
 *
 * Classes are sorted in natural order with the "en" collation (`pl20` before `pl100`), files
 * too, so loading is deterministic; labels index the sorted class names. Images are
 * recognised by extension and decoded by content (see `decodeImage`), then resized and
 * converted with `resizeImage` (RGBA composited on white). Images of mixed sizes or
 * channel counts are all brought to that one shape, with a warning that counts those that
 * differ from the most common shape.
 *
 * Symbolic links are followed: a linked class folder or image file loads like a real one.
 *
 * Skipped with a warning (in `warnings`): broken symbolic links (dangling, or a link loop;
 * each named once), non-image entries (counted), corrupt images
 * (named; `strict` throws instead), class folders without images, classes with fewer than
 * `minPerClass` images, and, in the pooled layout, classes with a single image (they cannot
 * be split into train and test). In the pre-split layout a class without training images
 * is kept with a warning.
 *
 * @param root The dataset folder.
 * @param options Output shape, filtering and reading options.
 * @returns The dataset; `files` holds each sample's path.
 * @throws {Deno.errors.NotFound} When `root` does not exist.
 * @throws {TypeError} When `root` is not a directory.
 * @throws {SyntaxError} When no class folder holds an image, or (with `strict`) an image is
 * corrupt.
 * @throws {RangeError} When no class is left after filtering, or an option is invalid.
 *
 * @example
 * ```ts
 * import { loadFolderDataset } from "./folder_dataset.ts";
 * import { encode } from "fast-png";
 * const root = await Deno.makeTempDir();
 * for (const name of ["cat", "dog"]) {
 *   await Deno.mkdir(`${root}/${name}`);
 *   for (const i of [0, 1]) {
 *     const data = new Uint8Array(4 * 4 * 3).fill(name === "cat" ? 10 * i : 200);
 *     await Deno.writeFile(`${root}/${name}/${i}.png`, encode({ width: 4, height: 4, data, channels: 3 }));
 *   }
 * }
 * const dataset = await loadFolderDataset(root, { height: 8, width: 8 });
 * await Deno.remove(root, { recursive: true });
 * if (dataset.labels.length !== 4 || dataset.classNames.join() !== "cat,dog") throw new Error();
 * ```
 */
export async function loadFolderDataset(
  root: string,
  options: FolderDatasetOptions = {},
): Promise<ImageDataset> {
  const resolved = checkFolderOptions(options);
  const where = `Cannot read dataset "${root}"`;
  await checkRootFolder(root, where);
  const broken = new Set<string>();
  const { preSplit, sides, skipped } = await listLayout(root, broken);
  const warnings = listingWarnings(broken, skipped, root);
  const { classNames, empty } = classFolders(sides, where, warnings);
  const candidates = candidateFiles(sides, classNames);
  const pixels = await decodeCandidates(candidates, resolved, warnings);
  const loaded: Loaded = { preSplit, classNames, empty, candidates, pixels };
  const kept = keptClasses(loaded, resolved.minPerClass, where, warnings);
  return assembleDataset(root, loaded, kept, resolved, warnings);
}
