/**
 * Image grids: tiles of images (filters, feature maps, test images, label
 * maps) side by side in one picture, written as PNG (../io/png_encode.ts) and,
 * when the tiles carry labels, as an SVG that shows the PNG with each label
 * as text under its tile. No font is drawn into the pixels: the PNG keeps a
 * blank band under each row where the SVG puts the labels.
 */
import { encodePng } from "../io/png_encode.js";

/** One tile: an image and how to map its values to bytes. */
export interface GridTile {
  /** Values row-major: [height, width] for gray, [height, width, 3] for RGB (0 … 255). */
  readonly data: ArrayLike<number>;
  readonly height: number;
  readonly width: number;
  /** 1 gray (default) or 3 RGB. */
  readonly channels?: 1 | 3;
  /** The values drawn black and white (gray tiles); default the tile's own minimum and maximum. */
  readonly range?: readonly [number, number];
  /** Text under the tile in the SVG (e.g. "true Shirt / predicted T-shirt"). */
  readonly label?: string;
}

/** Layout of a grid. */
export interface GridOptions {
  /** Tiles per row (default: all in one row). */
  columns?: number;
  /** Each tile pixel becomes zoom × zoom grid pixels (nearest neighbour; default 1). */
  zoom?: number;
  /** Blank pixels between tiles and around the grid (default 2). */
  gap?: number;
  /** Height of the blank band under each row for labels, when any tile has one (default 14). */
  labelHeight?: number;
}

/** Where one tile sits in the grid, in grid pixels. */
export interface GridCell {
  x: number;
  y: number;
  width: number;
  height: number;
  label?: string;
}

/** A grid picture: uint8 pixels [height, width, channels] and the tiles' places. */
export interface ImageGrid {
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
  cells: GridCell[];
  /** Height of the label band under each row (0 when no tile has a label). */
  labelHeight: number;
}

const BACKGROUND = 255;

/** [−m, m] with m the largest |value|: signed tiles (filter weights, derivatives) with 0 drawn mid-gray. */
export function symmetricRange(data: ArrayLike<number>): [number, number] {
  let m = 0;
  for (let i = 0; i < data.length; i++) if (Number.isFinite(data[i])) m = Math.max(m, Math.abs(data[i]));
  return [-m, m];
}

function tileRange(tile: GridTile): [number, number] {
  if (tile.range) return [tile.range[0], tile.range[1]];
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < tile.data.length; i++) {
    const v = tile.data[i];
    if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** A value as a byte: range[0] → 0, range[1] → 255, clamped; a constant tile (lo = hi) is mid-gray. */
function toByte(v: number, lo: number, hi: number): number {
  if (!Number.isFinite(v)) return 0;
  if (!(hi > lo)) return 128;
  return Math.max(0, Math.min(255, Math.round(((v - lo) / (hi - lo)) * 255)));
}

function checkTile(tile: GridTile, index: number): void {
  const channels = tile.channels ?? 1;
  if (!Number.isInteger(tile.height) || !Number.isInteger(tile.width) || tile.height < 1 || tile.width < 1) {
    throw new RangeError(`imageGrid: tile ${index}: expected positive integer height and width, got ${tile.height}×${tile.width}`);
  }
  if (channels !== 1 && channels !== 3) throw new RangeError(`imageGrid: tile ${index}: channels: expected 1 or 3, got ${String(channels)}`);
  if (tile.data.length !== tile.height * tile.width * channels) {
    throw new RangeError(`imageGrid: tile ${index}: expected ${tile.height}×${tile.width}×${channels} = ${tile.height * tile.width * channels} values, got ${tile.data.length}`);
  }
}

/**
 * Lays `tiles` out in rows of `columns`, each in a cell as large as the
 * largest tile (× zoom), top-left aligned, on a white background. The grid
 * is RGB when any tile is, gray otherwise. Returns the pixels and the cells.
 */
export function imageGrid(tiles: readonly GridTile[], options: GridOptions = {}): ImageGrid {
  if (tiles.length === 0) throw new RangeError("imageGrid: expected at least one tile, got none");
  tiles.forEach(checkTile);
  const { columns = tiles.length, zoom = 1, gap = 2 } = options;
  for (const [name, v, min] of [["columns", columns, 1], ["zoom", zoom, 1], ["gap", gap, 0]] as const) {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`imageGrid: ${name}: expected an integer ≥ ${min}, got ${String(v)}`);
  }
  const labelHeight = tiles.some((t) => t.label !== undefined) ? options.labelHeight ?? 14 : 0;
  const channels: 1 | 3 = tiles.some((t) => (t.channels ?? 1) === 3) ? 3 : 1;
  const cellW = zoom * Math.max(...tiles.map((t) => t.width));
  const cellH = zoom * Math.max(...tiles.map((t) => t.height));
  const cols = Math.min(columns, tiles.length);
  const rows = Math.ceil(tiles.length / cols);
  const width = gap + cols * (cellW + gap);
  const height = gap + rows * (cellH + labelHeight + gap);
  const pixels = new Uint8Array(width * height * channels).fill(BACKGROUND);
  const cells: GridCell[] = [];
  tiles.forEach((tile, k) => {
    const x0 = gap + (k % cols) * (cellW + gap);
    const y0 = gap + Math.floor(k / cols) * (cellH + labelHeight + gap);
    const tc = tile.channels ?? 1;
    const [lo, hi] = tc === 1 ? tileRange(tile) : [0, 255];
    for (let y = 0; y < tile.height * zoom; y++) {
      for (let x = 0; x < tile.width * zoom; x++) {
        const src = (Math.floor(y / zoom) * tile.width + Math.floor(x / zoom)) * tc;
        const dst = ((y0 + y) * width + x0 + x) * channels;
        for (let c = 0; c < channels; c++) pixels[dst + c] = toByte(tile.data[src + (tc === 3 ? c : 0)], lo, hi);
      }
    }
    cells.push({ x: x0, y: y0, width: tile.width * zoom, height: tile.height * zoom, ...(tile.label !== undefined ? { label: tile.label } : {}) });
  });
  return { pixels, width, height, channels, cells, labelHeight };
}

/** The grid as PNG bytes. */
export function imageGridPng(grid: ImageGrid): Promise<Uint8Array> {
  return encodePng(grid.pixels, grid.width, grid.height, grid.channels);
}

/** Distinct colours for class labels 0, 1, 2, … (background 0 black); RGB bytes. */
export const LABEL_PALETTE: ReadonlyArray<readonly [number, number, number]> = [
  [0, 0, 0], [230, 159, 0], [86, 180, 233], [0, 158, 115], [240, 228, 66], [0, 114, 178], [213, 94, 0], [204, 121, 167], [255, 255, 255], [128, 128, 128], [153, 0, 0],
];

/** A label map (class indices, row-major [height, width]) as an RGB tile in LABEL_PALETTE's colours (indices past it wrap around). */
export function labelMapTile(labels: ArrayLike<number>, height: number, width: number, label?: string): GridTile {
  if (labels.length !== height * width) throw new RangeError(`labelMapTile: expected ${height}×${width} = ${height * width} labels, got ${labels.length}`);
  const data = new Uint8Array(3 * labels.length);
  for (let i = 0; i < labels.length; i++) {
    const c = LABEL_PALETTE[((labels[i] % LABEL_PALETTE.length) + LABEL_PALETTE.length) % LABEL_PALETTE.length];
    data.set(c, 3 * i);
  }
  return { data, height, width, channels: 3, ...(label !== undefined ? { label } : {}) };
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * An SVG document showing `png` (the grid's PNG bytes) at `scale` with each
 * cell's label as text in the band under it, and `title` above. The PNG is
 * embedded as a data URI, so the SVG stands alone.
 */
export function imageGridSvg(grid: ImageGrid, png: Uint8Array, options: { title?: string; scale?: number } = {}): string {
  const { title, scale = 1 } = options;
  const top = title ? 24 : 0;
  const w = grid.width * scale, h = grid.height * scale;
  const fontSize = Math.max(8, Math.min(12, grid.labelHeight * scale - 3));
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h + top}" viewBox="0 0 ${w} ${h + top}" font-family="sans-serif">`,
    `<rect width="${w}" height="${h + top}" fill="white"/>`,
  ];
  if (title) parts.push(`<text x="${w / 2}" y="16" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`);
  parts.push(`<image x="0" y="${top}" width="${w}" height="${h}" style="image-rendering: pixelated" href="data:image/png;base64,${base64(png)}"/>`);
  for (const cell of grid.cells) {
    if (cell.label === undefined) continue;
    const x = (cell.x + cell.width / 2) * scale, y = top + (cell.y + cell.height) * scale + fontSize + 1;
    parts.push(`<text x="${x}" y="${y}" text-anchor="middle" font-size="${fontSize}">${escapeXml(cell.label)}</text>`);
  }
  parts.push("</svg>", "");
  return parts.join("\n");
}
