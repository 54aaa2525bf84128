/**
 * The decoding benchmark: a folder of many small PNGs (24,000 64x64 RGB images in 81 class
 * folders by default), decoded cold, written to the decode cache and loaded back from it.
 *
 * @module
 */
import { join } from "node:path";
import { encode as encodePng } from "fast-png";
import { loadFolderDataset } from "../data/folder_dataset.ts";
import { loadFolderDatasetCached } from "../data/decode_cache.ts";
import { generateSynthetic } from "../data/synthetic.ts";
import { createRng } from "../random.ts";
import { BENCH_DECODE_DIR } from "./extras.ts";

/** Options of {@linkcode makeDecodeBenchFolder} and {@linkcode runDecodeBench}. */
export interface DecodeBenchOptions {
  /**
   * Number of PNG files.
   * @default {24000}
   */
  count?: number;
  /**
   * Number of class folders; the files are spread over them as evenly as possible.
   * @default {81}
   */
  classes?: number;
  /**
   * Height and width of every image in pixels.
   * @default {64}
   */
  size?: number;
  /**
   * Seed of the perturbations (shifts, brightness, contrast, mirroring).
   * @default {0}
   */
  seed?: number;
  /**
   * Folder of class folders of real PNG crops to perturb; when it is absent, images of the
   * built-in synthetic dataset are perturbed instead.
   * @default {BENCH_DECODE_DIR (tt100k-mini)}
   */
  sourceDir?: string;
}

/** What {@linkcode makeDecodeBenchFolder} made or found. */
export interface DecodeBenchFolder {
  /** The folder of class folders to load. */
  root: string;
  /** Whether it was written now (false: a complete folder was reused). */
  created: boolean;
  /** Where the base images came from. */
  source: "tt100k-mini" | "synthetic";
  /** Total size of the PNG files in bytes. */
  bytes: number;
  /** Seconds spent writing the folder (0 when reused). */
  seconds: number;
}

/** Seconds and sizes measured by {@linkcode runDecodeBench}. */
export interface DecodeBenchResult extends DecodeBenchFolder {
  /** Number of images decoded. */
  images: number;
  /** Number of classes. */
  classes: number;
  /** Seconds to decode the folder without any cache (listing, reading, decoding). */
  coldSeconds: number;
  /** Images per second of the cold decode. */
  coldImagesPerSecond: number;
  /** Seconds to write the decoded dataset to the cache (after a cache miss). */
  cacheWriteSeconds: number;
  /** Seconds of a warm load (directory walk, stat, cache read and checksum). */
  warmSeconds: number;
  /** Size of the cache file in bytes. */
  cacheBytes: number;
}

interface Resolved {
  count: number;
  classes: number;
  size: number;
  seed: number;
  sourceDir: string;
}

function resolve(options: DecodeBenchOptions): Resolved {
  const {
    count = 24000,
    classes = 81,
    size = 64,
    seed = 0,
    sourceDir = BENCH_DECODE_DIR,
  } = options;
  for (const [key, value] of [["count", count], ["classes", classes], ["size", size]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`Invalid ${key} ${value}: must be a positive integer`);
    }
  }
  if (classes > count) {
    throw new RangeError(`Invalid classes ${classes}: more than count ${count}`);
  }
  if (!Number.isInteger(seed)) throw new RangeError(`Invalid seed ${seed}: must be an integer`);
  return { count, classes, size, seed, sourceDir };
}

/** Base images, `size * size * 3` bytes each, grouped by source class. */
async function baseImages(
  sourceDir: string,
  size: number,
): Promise<{ groups: Uint8Array[][]; source: DecodeBenchFolder["source"] }> {
  let exists = false;
  try {
    exists = (await Deno.stat(sourceDir)).isDirectory;
  } catch {
    exists = false;
  }
  const dataset = exists
    ? await loadFolderDataset(sourceDir, { height: size, width: size, channels: 3 })
    : generateSynthetic({ perClass: 8, size, seed: 0 });
  const pixels = size * size * 3;
  const groups: Uint8Array[][] = dataset.classNames.map(() => []);
  dataset.labels.forEach((label, i) => {
    groups[label].push(dataset.images.subarray(i * pixels, (i + 1) * pixels));
  });
  return { groups, source: exists ? "tt100k-mini" : "synthetic" };
}

/**
 * One perturbed copy of `base`: shifted by whole pixels (edges clamped), mirrored or with
 * red and blue swapped (by `variant`), brightness and contrast changed.
 */
function perturb(
  base: Uint8Array,
  size: number,
  variant: number,
  rng: ReturnType<typeof createRng>,
  out: Uint8Array,
): void {
  const dx = rng.int(9) - 4, dy = rng.int(9) - 4;
  const gain = rng.uniform(0.75, 1.25);
  const offset = rng.uniform(-25, 25);
  const mirror = (variant & 1) === 1, swap = (variant & 2) === 2;
  for (let y = 0; y < size; y++) {
    const sy = Math.min(size - 1, Math.max(0, y + dy));
    for (let x = 0; x < size; x++) {
      let sx = Math.min(size - 1, Math.max(0, x + dx));
      if (mirror) sx = size - 1 - sx;
      const s = (sy * size + sx) * 3, o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v = base[s + (swap ? 2 - c : c)] * gain + offset;
        out[o + c] = v < 0 ? 0 : v > 255 ? 255 : v + 0.5;
      }
    }
  }
}

/** The folder's name for these options, so that different options never share a folder. */
function folderName(o: Resolved): string {
  return `png-${o.count}x${o.size}-c${o.classes}-s${o.seed}`;
}

/**
 * Creates a folder of `count` RGB PNGs of `size` x `size` in `classes` class folders under
 * `dir`, or reuses it when a previous call completed it (a manifest is written last).
 *
 * Each image is a tt100k-mini crop (or, when that folder is absent, a synthetic sign),
 * shifted by up to 4 pixels, with random brightness and contrast; class folders beyond the
 * number of source classes reuse them mirrored and/or with red and blue swapped. The files
 * are encoded with fast-png's default settings, so they decode like real PNGs. Everything
 * depends only on the options and the seed.
 *
 * @param dir The folder to create the images in (created when missing).
 * @param options Count, classes, size, seed and source of the images.
 * @returns The folder of class folders and whether it was created now.
 * @throws {RangeError} When an option is out of range.
 *
 * @example
 * ```ts
 * import { makeDecodeBenchFolder } from "./decode_bench.ts";
 * const dir = await Deno.makeTempDir();
 * const folder = await makeDecodeBenchFolder(dir, { count: 6, classes: 2, size: 8 });
 * const again = await makeDecodeBenchFolder(dir, { count: 6, classes: 2, size: 8 });
 * await Deno.remove(dir, { recursive: true });
 * if (!folder.created || again.created || again.root !== folder.root) throw new Error();
 * ```
 */
export async function makeDecodeBenchFolder(
  dir: string,
  options: DecodeBenchOptions = {},
): Promise<DecodeBenchFolder> {
  const o = resolve(options);
  const name = folderName(o);
  const root = join(dir, name);
  const manifestPath = join(dir, `${name}.json`);
  try {
    const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
    if (manifest.count === o.count && typeof manifest.bytes === "number") {
      return { root, created: false, source: manifest.source, bytes: manifest.bytes, seconds: 0 };
    }
  } catch {
    // No manifest (or an unreadable one): the folder is incomplete; write it again.
  }
  const start = performance.now();
  await Deno.remove(root, { recursive: true }).catch(() => {});
  await Deno.mkdir(root, { recursive: true });
  const { groups, source } = await baseImages(o.sourceDir, o.size);
  const rng = createRng(o.seed);
  const out = new Uint8Array(o.size * o.size * 3);
  const digits = String(o.classes - 1).length;
  let bytes = 0;
  let written = 0;
  for (let c = 0; c < o.classes; c++) {
    const group = groups[c % groups.length];
    const variant = Math.floor(c / groups.length) % 4;
    const className = `c${String(c).padStart(digits, "0")}`;
    await Deno.mkdir(join(root, className));
    const n = Math.floor(o.count / o.classes) + (c < o.count % o.classes ? 1 : 0);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      perturb(group[rng.int(group.length)], o.size, variant, rng, out);
      const png = encodePng({ width: o.size, height: o.size, data: out, channels: 3 });
      bytes += png.length;
      writes.push(Deno.writeFile(join(root, className, `${i}.png`), png));
      written++;
    }
    await Promise.all(writes);
  }
  await Deno.writeTextFile(manifestPath, JSON.stringify({ count: written, source, bytes }));
  return { root, created: true, source, bytes, seconds: (performance.now() - start) / 1000 };
}

/**
 * Times decoding a folder of many small PNGs: a cold decode without cache, a cache write
 * (a miss, in a fresh cache folder `dir/cache`), then a warm load from the cache.
 *
 * The folder comes from {@linkcode makeDecodeBenchFolder} (created once, then reused).
 * The cold decode reads files the operating system has probably cached, so it measures
 * decoding rather than the disk.
 *
 * @param dir The folder holding the images and the benchmark's cache.
 * @param options Count, classes, size, seed and source of the images.
 * @returns Seconds of each phase and the sizes.
 * @throws {RangeError} When an option is out of range.
 *
 * @example
 * ```ts
 * import { runDecodeBench } from "./decode_bench.ts";
 * const dir = await Deno.makeTempDir();
 * const result = await runDecodeBench(dir, { count: 8, classes: 2, size: 8 });
 * await Deno.remove(dir, { recursive: true });
 * if (result.images !== 8 || !(result.warmSeconds >= 0)) throw new Error();
 * ```
 */
export async function runDecodeBench(
  dir: string,
  options: DecodeBenchOptions = {},
): Promise<DecodeBenchResult> {
  const o = resolve(options);
  const folder = await makeDecodeBenchFolder(dir, o);
  const loadOptions = { height: o.size, width: o.size, channels: 3 as const };

  let t = performance.now();
  const cold = await loadFolderDataset(folder.root, loadOptions);
  const coldSeconds = (performance.now() - t) / 1000;

  const cacheDir = join(dir, "cache");
  await Deno.remove(cacheDir, { recursive: true }).catch(() => {});
  const miss = await loadFolderDatasetCached(folder.root, { ...loadOptions, cacheDir });
  if (miss.cache !== "miss" || !miss.file) {
    throw new Error(`Cannot run the decode benchmark: the cache was not written (${miss.cache})`);
  }
  t = performance.now();
  const warm = await loadFolderDatasetCached(folder.root, { ...loadOptions, cacheDir });
  const warmSeconds = (performance.now() - t) / 1000;
  if (warm.cache !== "hit") {
    throw new Error(`Cannot run the decode benchmark: the cache was not hit (${warm.cache})`);
  }
  const cacheBytes = (await Deno.stat(miss.file)).size;
  return {
    ...folder,
    images: cold.labels.length,
    classes: cold.classNames.length,
    coldSeconds,
    coldImagesPerSecond: cold.labels.length / coldSeconds,
    cacheWriteSeconds: miss.seconds.write,
    warmSeconds,
    cacheBytes,
  };
}
