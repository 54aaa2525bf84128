/**
 * Rasterising for the synthetic traffic signs: shapes as signed distances, anti-aliased
 * compositing through a homography, procedural backgrounds, blur, lighting and noise.
 *
 * Images are `Float32Array`s of `size * size * 3` values in 0..255 (sRGB), row-major.
 *
 * @module
 */
import type { Rng } from "../random.ts";
import type { Polyline } from "./_glyphs.ts";

const CIRCLE = 0, RING = 1, POLYGON = 2, STROKES = 3;

/** A filled shape in sign coordinates; the kind decides which fields matter. */
export interface Shape {
  kind: number;
  cx: number;
  cy: number;
  r: number;
  /** Half stroke width (rings, strokes) or corner rounding (polygons). */
  hw: number;
  /** Polygon vertices, flat. */
  pts: Float64Array;
  /** Stroke polylines, flat. */
  lines: Float64Array[];
  /** Whether the stroke width follows the per-image weight jitter. */
  bold: boolean;
  /** Bounding box of each stroke polyline (x0, y0, x1, y1 per line), for culling. */
  boxes: Float64Array;
  /** Bounding box of the ink, including the widest per-image stroke weight. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const EMPTY = new Float64Array(0);

/** Largest per-image stroke weight that bounding boxes allow for. */
export const MAX_WEIGHT = 1.2;

function boxOf(points: ArrayLike<number>, margin: number): number[] {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i < points.length; i += 2) {
    x0 = Math.min(x0, points[i]);
    y0 = Math.min(y0, points[i + 1]);
    x1 = Math.max(x1, points[i]);
    y1 = Math.max(y1, points[i + 1]);
  }
  return [x0 - margin, y0 - margin, x1 + margin, y1 + margin];
}

/** Fills in the bounding boxes of a shape (all fields but the boxes set). */
function withBoxes(s: Omit<Shape, "boxes" | "x0" | "y0" | "x1" | "y1">): Shape {
  let box: number[];
  let boxes = EMPTY;
  if (s.kind === CIRCLE || s.kind === RING) {
    const r = s.r + (s.kind === RING ? s.hw : 0);
    box = [s.cx - r, s.cy - r, s.cx + r, s.cy + r];
  } else if (s.kind === POLYGON) {
    box = boxOf(s.pts, s.hw);
  } else {
    const m = s.hw * (s.bold ? MAX_WEIGHT : 1);
    boxes = Float64Array.from(s.lines.flatMap((l) => boxOf(l, 0)));
    box = boxOf(s.lines.flatMap((l) => [...l]), m);
  }
  return { ...s, boxes, x0: box[0], y0: box[1], x1: box[2], y1: box[3] };
}

/** A filled disc. */
export function circle(cx: number, cy: number, r: number): Shape {
  return withBoxes({ kind: CIRCLE, cx, cy, r, hw: 0, pts: EMPTY, lines: [], bold: false });
}

/** An annulus of centre radius `r` and total width `width`. */
export function ring(cx: number, cy: number, r: number, width: number): Shape {
  return withBoxes({ kind: RING, cx, cy, r, hw: width / 2, pts: EMPTY, lines: [], bold: false });
}

/** A filled polygon (any winding), optionally grown by `round` for round corners. */
export function polygon(points: number[], round = 0): Shape {
  return withBoxes({
    kind: POLYGON,
    cx: 0,
    cy: 0,
    r: 0,
    hw: round,
    pts: Float64Array.from(points),
    lines: [],
    bold: false,
  });
}

/** Polylines stroked `width` wide with round caps and joins. */
export function strokes(lines: Polyline[], width: number, bold = true): Shape {
  return withBoxes({
    kind: STROKES,
    cx: 0,
    cy: 0,
    r: 0,
    hw: width / 2,
    pts: EMPTY,
    lines: lines.map((l) => Float64Array.from(l)),
    bold,
  });
}

/** A regular polygon of `n` vertices on radius `r`, the first at angle `a0` degrees. */
export function regular(n: number, r: number, a0: number, cx = 0, cy = 0): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = ((a0 + (360 * i) / n) * Math.PI) / 180;
    out.push(cx + r * Math.cos(a), cy + r * Math.sin(a));
  }
  return out;
}

/** A triangle shrunk by `d` towards its incentre (every edge moves in by `d`). */
export function insetTriangle(p: number[], d: number): number[] {
  const [ax, ay, bx, by, cx, cy] = p;
  const a = Math.hypot(bx - cx, by - cy), b = Math.hypot(ax - cx, ay - cy);
  const c = Math.hypot(ax - bx, ay - by);
  const per = a + b + c;
  const ix = (a * ax + b * bx + c * cx) / per, iy = (a * ay + b * by + c * cy) / per;
  const area = Math.abs((bx - ax) * (cy - ay) - (cx - ax) * (by - ay)) / 2;
  const k = (area / (per / 2) - d) / (area / (per / 2));
  return [
    ix + (ax - ix) * k,
    iy + (ay - iy) * k,
    ix + (bx - ix) * k,
    iy + (by - iy) * k,
    ix + (cx - ix) * k,
    iy + (cy - iy) * k,
  ];
}

/** Mirrors a shape left-right (x -> -x). */
export function mirror(shape: Shape): Shape {
  const flip = (a: Float64Array) => a.map((v, i) => (i % 2 === 0 ? -v : v));
  return withBoxes({
    ...shape,
    cx: -shape.cx,
    pts: flip(shape.pts),
    lines: shape.lines.map(flip),
  });
}

/** One colour painted over the union of its shapes. */
export interface Layer {
  /** Palette entry (index into the per-image colours). */
  paint: number;
  shapes: Shape[];
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Makes a layer and its bounding box. */
export function layer(paint: number, shapes: Shape[]): Layer {
  return {
    paint,
    shapes,
    x0: Math.min(...shapes.map((s) => s.x0)),
    y0: Math.min(...shapes.map((s) => s.y0)),
    x1: Math.max(...shapes.map((s) => s.x1)),
    y1: Math.max(...shapes.map((s) => s.y1)),
  };
}

/**
 * Signed distance from (u, v) to a shape. Strokes farther than `cut` may report any value
 * >= `cut - halfWidth`: the caller only needs exact values where coverage is partial.
 */
function signedDistance(s: Shape, u: number, v: number, boldDelta: number, cut: number): number {
  switch (s.kind) {
    case CIRCLE:
      return Math.hypot(u - s.cx, v - s.cy) - s.r;
    case RING:
      return Math.abs(Math.hypot(u - s.cx, v - s.cy) - s.r) - s.hw;
    case POLYGON: {
      const p = s.pts, n = p.length;
      let d2 = Infinity, inside = false;
      for (let i = 0, j = n - 2; i < n; j = i, i += 2) {
        const ax = p[j], ay = p[j + 1], ex = p[i] - ax, ey = p[i + 1] - ay;
        const wx = u - ax, wy = v - ay;
        let t = (wx * ex + wy * ey) / (ex * ex + ey * ey);
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const dx = wx - ex * t, dy = wy - ey * t, e = dx * dx + dy * dy;
        if (e < d2) d2 = e;
        if ((ay > v) !== (p[i + 1] > v) && u < ax + ((v - ay) * ex) / ey) inside = !inside;
      }
      return (inside ? -Math.sqrt(d2) : Math.sqrt(d2)) - s.hw;
    }
    default: {
      const hw = s.bold ? s.hw * boldDelta : s.hw;
      let d2 = (cut + hw) * (cut + hw);
      const boxes = s.boxes;
      for (let li = 0; li < s.lines.length; li++) {
        // skip polylines whose bounding box is already farther than the best distance
        const bx = Math.max(boxes[li * 4] - u, 0, u - boxes[li * 4 + 2]);
        const by = Math.max(boxes[li * 4 + 1] - v, 0, v - boxes[li * 4 + 3]);
        if (bx * bx + by * by >= d2) continue;
        const l = s.lines[li], n = l.length;
        if (n === 2) {
          const dx = u - l[0], dy = v - l[1], e = dx * dx + dy * dy;
          if (e < d2) d2 = e;
          continue;
        }
        for (let i = 2; i < n; i += 2) {
          const ax = l[i - 2], ay = l[i - 1], ex = l[i] - ax, ey = l[i + 1] - ay;
          const wx = u - ax, wy = v - ay, ee = ex * ex + ey * ey;
          let t = ee > 0 ? (wx * ex + wy * ey) / ee : 0;
          t = t < 0 ? 0 : t > 1 ? 1 : t;
          const dx = wx - ex * t, dy = wy - ey * t, e = dx * dx + dy * dy;
          if (e < d2) d2 = e;
        }
      }
      return Math.sqrt(d2) - hw;
    }
  }
}

/** A projective map as a row-major 3x3 matrix. */
export type Homography = Float64Array;

/** Inverts a 3x3 matrix (adjugate over determinant). */
export function invert3(m: Homography): Homography {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return Float64Array.from([
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ]);
}

/** How a sign is painted into one image. */
export interface SignPaint {
  /** Image-to-sign homography. */
  inverse: Homography;
  /** Size of one pixel in sign units (the anti-aliasing filter width). */
  pixel: number;
  /** RGB per palette entry, 0..255. */
  colors: Float32Array;
  /** Multiplies stroke widths of bold strokes (font weight jitter). */
  weight: number;
  /** Linear shading across the sign: colour *= 1 + gx * u + gy * v. */
  gx: number;
  gy: number;
  /** Radius around the sign origin outside which nothing is drawn. */
  bound: number;
}

/**
 * Composites layers over `img` with coverage `clamp(0.5 - d / pixel)` from each union's
 * signed distance: analytic anti-aliasing at one evaluation per layer and pixel.
 */
export function paintSign(img: Float32Array, size: number, layers: Layer[], p: SignPaint): void {
  const m = p.inverse, fw = p.pixel, col = p.colors, w = p.weight;
  const bound2 = (p.bound + fw) * (p.bound + fw);
  for (let y = 0; y < size; y++) {
    const py = y + 0.5;
    for (let x = 0; x < size; x++) {
      const px = x + 0.5;
      const W = m[6] * px + m[7] * py + m[8];
      const u = (m[0] * px + m[1] * py + m[2]) / W;
      const v = (m[3] * px + m[4] * py + m[5]) / W;
      if (u * u + v * v > bound2) continue;
      const o = (y * size + x) * 3;
      let r = img[o], g = img[o + 1], b = img[o + 2];
      const shade = 1 + p.gx * u + p.gy * v;
      let touched = false;
      for (let li = 0; li < layers.length; li++) {
        const L = layers[li];
        if (u < L.x0 - fw || u > L.x1 + fw || v < L.y0 - fw || v > L.y1 + fw) continue;
        let d = Infinity;
        for (let si = 0; si < L.shapes.length; si++) {
          const S = L.shapes[si];
          if (u < S.x0 - fw || u > S.x1 + fw || v < S.y0 - fw || v > S.y1 + fw) continue;
          const e = signedDistance(S, u, v, w, fw);
          if (e < d) d = e;
        }
        let a = 0.5 - d / fw;
        if (a <= 0) continue;
        if (a > 1) a = 1;
        const k = L.paint * 3;
        r += (col[k] * shade - r) * a;
        g += (col[k + 1] * shade - g) * a;
        b += (col[k + 2] * shade - b) * a;
        touched = true;
      }
      if (touched) {
        img[o] = r;
        img[o + 1] = g;
        img[o + 2] = b;
      }
    }
  }
}

/** Smooth value noise in [-1, 1] on a `cells` x `cells` lattice, sampled at size x size. */
export function valueNoise(size: number, cells: number, rng: Rng): Float32Array {
  const g = cells + 1;
  const lattice = new Float32Array(g * g);
  for (let i = 0; i < lattice.length; i++) lattice[i] = rng.next() * 2 - 1;
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    const fy = ((y + 0.5) / size) * cells, iy = Math.min(cells - 1, Math.floor(fy));
    let ty = fy - iy;
    ty = ty * ty * (3 - 2 * ty);
    for (let x = 0; x < size; x++) {
      const fx = ((x + 0.5) / size) * cells, ix = Math.min(cells - 1, Math.floor(fx));
      let tx = fx - ix;
      tx = tx * tx * (3 - 2 * tx);
      const a = lattice[iy * g + ix], b = lattice[iy * g + ix + 1];
      const c = lattice[(iy + 1) * g + ix], d = lattice[(iy + 1) * g + ix + 1];
      out[y * size + x] = (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty;
    }
  }
  return out;
}

/** Paints a soft-edged ellipse (pixel coordinates) with opacity `alpha`. */
export function paintBlob(
  img: Float32Array,
  size: number,
  cx: number,
  cy: number,
  rx: number,
  ry: number,
  rgb: number[],
  alpha: number,
  softness = 1,
): void {
  const x0 = Math.max(0, Math.floor(cx - rx - 2)), x1 = Math.min(size - 1, Math.ceil(cx + rx + 2));
  const y0 = Math.max(0, Math.floor(cy - ry - 2)), y1 = Math.min(size - 1, Math.ceil(cy + ry + 2));
  const rm = Math.min(rx, ry);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = (x + 0.5 - cx) / rx, dy = (y + 0.5 - cy) / ry;
      // approximate distance to the ellipse edge in pixels
      const d = (Math.sqrt(dx * dx + dy * dy) - 1) * rm;
      let a = 0.5 - d / softness;
      if (a <= 0) continue;
      if (a > 1) a = 1;
      a *= alpha;
      const o = (y * size + x) * 3;
      img[o] += (rgb[0] - img[o]) * a;
      img[o + 1] += (rgb[1] - img[o + 1]) * a;
      img[o + 2] += (rgb[2] - img[o + 2]) * a;
    }
  }
}

/** Paints an axis-aligned rectangle (pixel coordinates, anti-aliased edges). */
export function paintRect(
  img: Float32Array,
  size: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  rgb: number[],
  alpha: number,
): void {
  const ya = Math.max(0, Math.floor(y0)), yb = Math.min(size - 1, Math.ceil(y1));
  const xa = Math.max(0, Math.floor(x0)), xb = Math.min(size - 1, Math.ceil(x1));
  for (let y = ya; y <= yb; y++) {
    const cy = Math.min(y + 1, y1) - Math.max(y, y0);
    if (cy <= 0) continue;
    for (let x = xa; x <= xb; x++) {
      const cx = Math.min(x + 1, x1) - Math.max(x, x0);
      if (cx <= 0) continue;
      const a = cx * cy * alpha, o = (y * size + x) * 3;
      img[o] += (rgb[0] - img[o]) * a;
      img[o + 1] += (rgb[1] - img[o + 1]) * a;
      img[o + 2] += (rgb[2] - img[o + 2]) * a;
    }
  }
}

function pick(rng: Rng, palette: number[][], jitter: number): number[] {
  const c = palette[rng.int(palette.length)];
  return c.map((v) => Math.max(0, Math.min(255, v + (rng.next() * 2 - 1) * jitter)));
}

const SKY = [[150, 185, 225], [200, 215, 230], [120, 160, 210], [225, 228, 232], [170, 190, 200]];
const FOLIAGE = [[60, 95, 45], [35, 60, 30], [90, 120, 60], [70, 80, 50], [110, 130, 80]];
const BUILDING = [[170, 150, 130], [140, 130, 125], [200, 190, 175], [110, 100, 95], [
  180,
  170,
  160,
]];
const ROAD = [[95, 95, 100], [130, 130, 128], [70, 72, 75], [160, 158, 150]];

/**
 * Fills `img` with a random street-scene background: sky, foliage, building or road-like
 * gradients with value-noise texture, windows and blobs.
 */
export function paintBackground(img: Float32Array, size: number, rng: Rng): void {
  const kind = rng.int(5);
  const palettes = [SKY, FOLIAGE, BUILDING, ROAD, FOLIAGE];
  const top = pick(rng, kind === 4 ? SKY : palettes[kind], 20);
  const bottom = kind === 0 ? pick(rng, SKY, 25) : pick(rng, palettes[kind], 25);
  const tilt = rng.uniform(-0.4, 0.4);
  const coarse = valueNoise(size, 2 + rng.int(3), rng);
  const fine = valueNoise(size, 6 + rng.int(8), rng);
  const amp = [8, 40, 18, 14, 35][kind] * rng.uniform(0.5, 1.5);
  const fineAmp = [3, 25, 8, 10, 20][kind] * rng.uniform(0.5, 1.5);
  const tint = [rng.uniform(0.8, 1.2), rng.uniform(0.8, 1.2), rng.uniform(0.8, 1.2)];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let t = (y + tilt * (x - size / 2)) / size;
      if (kind === 4) t = t < 0.45 + 0.1 * coarse[y * size + x] ? 0 : 1;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const n = coarse[y * size + x] * amp + fine[y * size + x] * fineAmp;
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) img[o + c] = top[c] + (bottom[c] - top[c]) * t + n * tint[c];
    }
  }
  if (kind === 2) {
    // windows: a grid of darker (or glassy) rectangles
    const period = size * rng.uniform(0.18, 0.4), fill = rng.uniform(0.4, 0.7);
    const ox = rng.next() * period, oy = rng.next() * period;
    const glass = pick(rng, [[60, 70, 85], [120, 140, 160], [40, 40, 45]], 15);
    const alpha = rng.uniform(0.2, 0.6);
    for (let gy = -period + oy; gy < size; gy += period) {
      for (let gx = -period + ox; gx < size; gx += period) {
        if (rng.next() < 0.2) continue;
        paintRect(img, size, gx, gy, gx + period * fill, gy + period * fill * 1.3, glass, alpha);
      }
    }
  }
  const blobs = rng.int(5);
  for (let i = 0; i < blobs; i++) {
    const palette = [SKY, FOLIAGE, BUILDING, ROAD][rng.int(4)];
    const r = size * rng.uniform(0.08, 0.35);
    paintBlob(
      img,
      size,
      rng.next() * size,
      rng.next() * size,
      r,
      r * rng.uniform(0.5, 1.5),
      pick(rng, palette, 30),
      rng.uniform(0.3, 0.9),
      rng.uniform(1, 4),
    );
  }
}

/** Separable Gaussian blur with standard deviation `sigma` pixels (edges clamped), in place. */
export function gaussianBlur(img: Float32Array, size: number, sigma: number): void {
  if (sigma < 0.15) return;
  const radius = Math.ceil(sigma * 2.5);
  const taps = 2 * radius + 1;
  const kernel = new Float32Array(taps);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
    sum += kernel[i + radius];
  }
  for (let i = 0; i < taps; i++) kernel[i] /= sum;
  // One padded line (edge pixels repeated) so the inner loop has no bounds checks.
  const line = new Float32Array((size + 2 * radius) * 3);
  for (let pass = 0; pass < 2; pass++) {
    // pass 0: rows (stride 3 along x); pass 1: columns (stride 3 * size along y)
    const step = pass === 0 ? 3 : size * 3, across = pass === 0 ? size * 3 : 3;
    for (let l = 0; l < size; l++) {
      const base = l * across;
      for (let i = -radius; i < size + radius; i++) {
        const j = i < 0 ? 0 : i >= size ? size - 1 : i, o = base + j * step, q = (i + radius) * 3;
        line[q] = img[o];
        line[q + 1] = img[o + 1];
        line[q + 2] = img[o + 2];
      }
      for (let i = 0; i < size; i++) {
        let r = 0, g = 0, b = 0;
        for (let k = 0, q = i * 3; k < taps; k++, q += 3) {
          const w = kernel[k];
          r += line[q] * w;
          g += line[q + 1] * w;
          b += line[q + 2] * w;
        }
        const o = base + i * step;
        img[o] = r;
        img[o + 1] = g;
        img[o + 2] = b;
      }
    }
  }
}

/** Global camera response applied before quantising. */
export interface Exposure {
  /** Output = (value - 128) * contrast + 128 + brightness, then times the per-channel cast. */
  contrast: number;
  brightness: number;
  cast: number[];
  /** Standard deviation of the additive Gaussian noise, in 0..255 units. */
  noise: number;
}

/** Applies exposure and noise to `img` and writes rounded, clamped bytes into `out`. */
export function quantize(img: Float32Array, out: Uint8Array, e: Exposure, rng: Rng): void {
  const [cr, cg, cb] = e.cast;
  const shift = 128 + e.brightness, k = e.contrast;
  // Noise from an inline xorshift32 seeded by `rng`: Box-Muller per pixel would cost more
  // than drawing the sign. Luminance noise is triangular (sum of two uniforms, unit
  // variance); colour noise is uniform and weaker, like a camera sensor's.
  let s = rng.int(0x7ffffffe) + 1;
  const lumScale = (e.noise * Math.sqrt(6)) / 4294967296;
  const chromaScale = (e.noise * 0.35 * Math.sqrt(12)) / 4294967296;
  const kr = k * cr, kg = k * cg, kb = k * cb;
  const br = (shift - 128 * k) * cr, bg = (shift - 128 * k) * cg, bb = (shift - 128 * k) * cb;
  for (let i = 0; i < img.length; i += 3) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const u1 = s >>> 0;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const lum = (u1 + (s >>> 0) - 4294967296) * lumScale;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const r = img[i] * kr + br + lum + s * chromaScale;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const g = img[i + 1] * kg + bg + lum + s * chromaScale;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const b = img[i + 2] * kb + bb + lum + s * chromaScale;
    // Uint8ClampedArray-style rounding by hand: out is a plain Uint8Array
    out[i] = r <= 0 ? 0 : r >= 255 ? 255 : (r + 0.5) | 0;
    out[i + 1] = g <= 0 ? 0 : g >= 255 ? 255 : (g + 0.5) | 0;
    out[i + 2] = b <= 0 ? 0 : b >= 255 ? 255 : (b + 0.5) | 0;
  }
}
