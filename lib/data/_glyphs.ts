/**
 * A small stroke font for the synthetic traffic signs: digits, a few capitals and the unit
 * letters `m` and `t`, drawn as centre lines that the rasteriser thickens.
 *
 * Glyph space: centre lines lie in x in [0, advance], y in [0, 2] (y down), so digits are
 * condensed 1:2 like the digits on real signs. Strokes are {@linkcode STROKE} wide, so a
 * glyph's ink spans `STROKE / 2` beyond its centre lines.
 *
 * @module
 */

/** A polyline as flat `x0, y0, x1, y1, ...` coordinates. */
export type Polyline = number[];

/** A glyph: its centre-line box width and its strokes. */
export interface Glyph {
  advance: number;
  lines: Polyline[];
}

/** Stroke width in glyph units (a sixth of the ink height, like bold sign lettering). */
export const STROKE = 0.4;

/** Points on an elliptical arc from `a0` to `a1` degrees (0 = +x, 90 = +y, i.e. down). */
export function arc(
  cx: number,
  cy: number,
  rx: number,
  ry: number,
  a0: number,
  a1: number,
): Polyline {
  const n = Math.max(2, Math.ceil(Math.abs(a1 - a0) / 12) + 1);
  const out: Polyline = [];
  for (let i = 0; i < n; i++) {
    const a = ((a0 + ((a1 - a0) * i) / (n - 1)) * Math.PI) / 180;
    out.push(cx + rx * Math.cos(a), cy + ry * Math.sin(a));
  }
  return out;
}

function mapLine(line: Polyline, f: (x: number, y: number) => [number, number]): Polyline {
  const out: Polyline = [];
  for (let i = 0; i < line.length; i += 2) out.push(...f(line[i], line[i + 1]));
  return out;
}

function buildGlyphs(): Record<string, Glyph> {
  const zero: Polyline = [
    ...arc(0.5, 0.5, 0.5, 0.5, 180, 360),
    ...arc(0.5, 1.5, 0.5, 0.5, 0, 180),
    0,
    0.5,
  ];
  const six: Polyline[] = [
    arc(0.5, 1.42, 0.5, 0.58, 0, 360),
    [0, 1.42, ...arc(0.75, 1.15, 0.75, 1.15, 180, 268)],
  ];
  const glyphs: Record<string, Glyph> = {
    "0": { advance: 1, lines: [zero] },
    "1": { advance: 0.62, lines: [[0, 0.5, 0.55, 0, 0.55, 2]] },
    "2": {
      advance: 1,
      lines: [[...arc(0.5, 0.52, 0.5, 0.52, 190, 375), 0, 2, 1.02, 2]],
    },
    "3": {
      advance: 1,
      lines: [arc(0.5, 0.48, 0.46, 0.48, 195, 450), arc(0.5, 1.46, 0.5, 0.54, 270, 520)],
    },
    "4": { advance: 1.02, lines: [[0.78, 2, 0.78, 0, 0, 1.42, 1.04, 1.42]] },
    "5": {
      advance: 1,
      lines: [[0.96, 0, 0.1, 0, 0.04, 0.98, ...arc(0.5, 1.4, 0.5, 0.6, 222, 512)]],
    },
    "6": { advance: 1, lines: six },
    "7": { advance: 1, lines: [[0, 0, 1, 0, 0.36, 2]] },
    "8": {
      advance: 1,
      lines: [arc(0.5, 0.47, 0.43, 0.47, 0, 360), arc(0.5, 1.45, 0.5, 0.55, 0, 360)],
    },
    "9": { advance: 1, lines: six.map((l) => mapLine(l, (x, y) => [1 - x, 2 - y])) },
    ".": { advance: 0.05, lines: [[0.02, 1.93, 0.03, 1.97]] },
    "S": {
      advance: 1,
      lines: [[...arc(0.5, 0.5, 0.5, 0.5, 340, 90), ...arc(0.5, 1.5, 0.5, 0.5, 270, 520)]],
    },
    "T": { advance: 1, lines: [[0, 0, 1, 0], [0.5, 0, 0.5, 2]] },
    "O": { advance: 1, lines: [zero] },
    "P": {
      advance: 0.95,
      lines: [[0, 2, 0, 0, 0.45, 0, ...arc(0.45, 0.5, 0.5, 0.5, 270, 450), 0, 1]],
    },
    // Lower-case units sit on the baseline and reach up to y = 0.8.
    "m": {
      advance: 1.1,
      lines: [
        [0, 2, 0, 0.85],
        [...arc(0.28, 1.2, 0.28, 0.32, 180, 360), 0.56, 2],
        [...arc(0.83, 1.2, 0.27, 0.32, 180, 360), 1.1, 2],
      ],
    },
    "t": {
      advance: 0.7,
      lines: [[0.25, 0.5, 0.25, 1.7, ...arc(0.55, 1.7, 0.3, 0.3, 180, 90)], [0, 0.95, 0.7, 0.95]],
    },
  };
  return glyphs;
}

const GLYPHS = buildGlyphs();

/** A run of text at a relative size; runs share a baseline. */
export interface TextRun {
  text: string;
  /** Height relative to the layout height (1 = full size). */
  scale: number;
}

/** Laid-out strokes of one text run, in the caller's coordinates. */
export interface LaidOutRun {
  lines: Polyline[];
  halfWidth: number;
}

/**
 * Lays out runs of glyphs centred on `(cx, cy)`: full-size runs are `height` tall (ink),
 * smaller runs share their baseline; the whole line is condensed horizontally when it
 * would be wider than `maxWidth`.
 */
export function layoutText(
  runs: TextRun[],
  cx: number,
  cy: number,
  height: number,
  maxWidth: number,
  weight = 1,
): LaidOutRun[] {
  const gap = STROKE + 0.16;
  const s = height / (2 + STROKE);
  // total centre-line width in glyph units of the full-size run
  let total = 0;
  let first = true;
  for (const run of runs) {
    for (const ch of run.text) {
      const g = GLYPHS[ch];
      if (g === undefined) throw new RangeError(`Cannot lay out text: no glyph for "${ch}"`);
      if (!first) total += gap * (ch === "." ? 0.7 : run.scale);
      total += g.advance * run.scale;
      first = false;
    }
  }
  const inkWidth = (total + STROKE) * s;
  const sx = inkWidth > maxWidth ? (s * maxWidth) / inkWidth : s;
  const out: LaidOutRun[] = [];
  let pen = 0;
  first = true;
  for (const run of runs) {
    const lines: Polyline[] = [];
    for (const ch of run.text) {
      const g = GLYPHS[ch];
      if (!first) pen += gap * (ch === "." ? 0.7 : run.scale);
      first = false;
      const x0 = pen;
      for (const line of g.lines) {
        lines.push(mapLine(line, (x, y) => [
          cx + (x0 + x * run.scale - total / 2) * sx,
          // baseline at glyph y = 2 for every run
          cy + (2 - (2 - y) * run.scale - 1) * s,
        ]));
      }
      pen += g.advance * run.scale;
    }
    const k = run.scale * Math.min(s, (s + sx) / 2);
    out.push({ lines, halfWidth: (STROKE / 2) * k * weight });
  }
  return out;
}
