/**
 * Pictures of numbers on canvases: images, filters and feature maps as
 * grey tiles, the confusion matrix, thumbnails of misclassified images and
 * probability bars. Plain canvas 2D and DOM; no state.
 */
import type { PlainTensor } from "./protocol.js";

/** Grey levels 0…255 of `values` mapped linearly from [lo, hi]. */
function toImageData(values: ArrayLike<number>, offset: number, w: number, h: number, lo: number, hi: number): ImageData {
  const image = new ImageData(w, h);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  for (let i = 0; i < w * h; i++) {
    const g = Math.round((values[offset + i] - lo) * scale);
    image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = g;
    image.data[4 * i + 3] = 255;
  }
  return image;
}

const scratch = document.createElement("canvas");

/** Paints a w×h tile of `values` (from `offset`) at (x, y), each value a size×size block. */
export function paintTile(ctx: CanvasRenderingContext2D, values: ArrayLike<number>, offset: number, w: number, h: number, x: number, y: number, size: number, range: [number, number]): void {
  scratch.width = w;
  scratch.height = h;
  scratch.getContext("2d")!.putImageData(toImageData(values, offset, w, h, range[0], range[1]), 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(scratch, x, y, w * size, h * size);
}

function rangeOf(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < lo) lo = values[i];
    if (values[i] > hi) hi = values[i];
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 1];
}

/**
 * A grid of `count` tiles of w×h values laid out in `columns`, scaled by
 * `size`, with a 2-pixel gap; one grey scale for all tiles (min → black,
 * max → white), so tiles compare. Resizes the canvas to fit.
 */
export function drawTiles(canvas: HTMLCanvasElement, values: ArrayLike<number>, count: number, w: number, h: number, columns: number, size: number): void {
  const gap = 2;
  const cols = Math.min(columns, count);
  const rows = Math.ceil(count / cols);
  canvas.width = cols * (w * size + gap) - gap;
  canvas.height = rows * (h * size + gap) - gap;
  const ctx = canvas.getContext("2d")!;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const range = rangeOf(values);
  for (let k = 0; k < count; k++) {
    paintTile(ctx, values, k * w * h, w, h, (k % cols) * (w * size + gap), Math.floor(k / cols) * (h * size + gap), size, range);
  }
}

/** The first layer's weights: conv filters [O, I, k, k] (input channel 0) or an MLP's rows [O, 784] as 28×28 pictures. */
export function drawFilters(canvas: HTMLCanvasElement, filters: PlainTensor): string {
  const [outputs] = filters.shape;
  if (filters.shape.length === 4) {
    const [, inputs, kh, kw] = filters.shape;
    const firstChannel = new Float32Array(outputs * kh * kw);
    for (let o = 0; o < outputs; o++) firstChannel.set(filters.data.subarray(o * inputs * kh * kw, o * inputs * kh * kw + kh * kw), o * kh * kw);
    drawTiles(canvas, firstChannel, outputs, kw, kh, outputs, 12);
    return `${outputs} convolution filters of ${kh}×${kw} weights (the first layer), black = most negative, white = most positive`;
  }
  const side = Math.round(Math.sqrt(filters.shape[1]));
  drawTiles(canvas, filters.data, outputs, side, side, 12, 1);
  return `the ${outputs} hidden units' incoming weights (784 = 28×28 each), black = most negative, white = most positive`;
}

/** One row per layer: its name, shape and output (feature maps as tiles, vectors as a strip of cells). */
export function drawActivations(container: HTMLElement, layers: ReadonlyArray<{ name: string; layer: string; output: PlainTensor }>): void {
  container.replaceChildren();
  for (const { name, layer, output } of layers) {
    const row = document.createElement("div");
    row.className = "layer";
    const label = document.createElement("div");
    label.className = "layer-label";
    label.textContent = `${name}  ${layer}  → [${output.shape.join(", ")}]`;
    const canvas = document.createElement("canvas");
    if (output.shape.length === 4) {
      const [, c, h, w] = output.shape;
      const size = h >= 20 ? 2 : h >= 8 ? 4 : 6;
      drawTiles(canvas, output.data, c, w, h, 16, size);
    } else {
      drawStrip(canvas, output.data, output.data.length <= 16 ? 20 : 8);
    }
    row.append(label, canvas);
    container.append(row);
  }
}

/** A vector as rows of up to 64 grey cells of `size` pixels (min → black, max → white). */
function drawStrip(canvas: HTMLCanvasElement, values: Float32Array, size: number): void {
  const columns = Math.min(values.length, 64);
  canvas.width = columns * size;
  canvas.height = Math.ceil(values.length / columns) * size;
  const ctx = canvas.getContext("2d")!;
  const [lo, hi] = rangeOf(values);
  for (let i = 0; i < values.length; i++) {
    const g = hi > lo ? Math.round((255 * (values[i] - lo)) / (hi - lo)) : 0;
    ctx.fillStyle = `rgb(${g}, ${g}, ${g})`;
    ctx.fillRect((i % columns) * size, Math.floor(i / columns) * size, size - 1, size - 1);
  }
}

/** The confusion matrix: row = true class, column = predicted; darker = more images; counts written in. */
export function drawConfusion(canvas: HTMLCanvasElement, confusion: Int32Array, classNames: readonly string[]): void {
  const n = classNames.length;
  const cell = 34;
  const left = 86;
  const top = 86;
  canvas.width = left + n * cell + 44; // room for the last rotated column label
  canvas.height = top + n * cell + 4;
  const ctx = canvas.getContext("2d")!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.font = "11px system-ui, sans-serif";
  let max = 1;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) max = Math.max(max, confusion[i * n + j]);
  const rowTotals = Array.from({ length: n }, (_, i) => confusion.subarray(i * n, (i + 1) * n).reduce((a, b) => a + b, 0));
  for (let i = 0; i < n; i++) {
    ctx.fillStyle = "#222";
    ctx.textAlign = "right";
    ctx.fillText(classNames[i], left - 6, top + i * cell + cell / 2 + 4);
    ctx.save();
    ctx.translate(left + i * cell + cell / 2 + 4, top - 6);
    ctx.rotate(-Math.PI / 3);
    ctx.textAlign = "left";
    ctx.fillText(classNames[i], 0, 0);
    ctx.restore();
    for (let j = 0; j < n; j++) {
      const count = confusion[i * n + j];
      // The diagonal in green scaled by its row; mistakes in red scaled by the largest mistake.
      const strength = i === j ? count / Math.max(1, rowTotals[i]) : count / max;
      ctx.fillStyle = i === j ? `rgba(30, 140, 60, ${0.15 + 0.75 * strength})` : `rgba(210, 40, 40, ${count === 0 ? 0.03 : 0.1 + 0.8 * strength})`;
      ctx.fillRect(left + j * cell, top + i * cell, cell - 1, cell - 1);
      ctx.fillStyle = strength > 0.6 ? "#fff" : "#222";
      ctx.textAlign = "center";
      if (count > 0) ctx.fillText(String(count), left + j * cell + cell / 2, top + i * cell + cell / 2 + 4);
    }
  }
  ctx.textAlign = "left";
  ctx.fillStyle = "#555";
  ctx.fillText("true ↓  predicted →", 4, 14);
}

/** Thumbnails of images with a caption under each ("predicted (true)"); returns how many were drawn. */
export function drawThumbnails(canvas: HTMLCanvasElement, images: Uint8Array, indices: readonly number[], captions: readonly string[], columns: number): number {
  const size = 2;
  const cellW = 28 * size + 40;
  const cellH = 28 * size + 30;
  const cols = Math.max(1, Math.min(columns, indices.length));
  canvas.width = cols * cellW;
  canvas.height = Math.max(1, Math.ceil(indices.length / cols)) * cellH;
  const ctx = canvas.getContext("2d")!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.font = "10px system-ui, sans-serif";
  ctx.textAlign = "center";
  indices.forEach((index, k) => {
    const x = (k % cols) * cellW;
    const y = Math.floor(k / cols) * cellH;
    paintTile(ctx, images, index * 784, 28, 28, x + 20, y, size, [0, 255]);
    const [top, bottom] = captions[k].split("\n");
    ctx.fillStyle = "#b00";
    ctx.fillText(top, x + cellW / 2, y + 28 * size + 11);
    ctx.fillStyle = "#555";
    ctx.fillText(bottom ?? "", x + cellW / 2, y + 28 * size + 23);
  });
  return indices.length;
}

/** Horizontal bars of class probabilities, the highest marked. */
export function drawProbabilities(container: HTMLElement, probabilities: ArrayLike<number>, classNames: readonly string[]): void {
  container.replaceChildren();
  let best = 0;
  for (let i = 1; i < probabilities.length; i++) if (probabilities[i] > probabilities[best]) best = i;
  for (let i = 0; i < classNames.length; i++) {
    const row = document.createElement("div");
    row.className = i === best ? "prob best" : "prob";
    const name = document.createElement("span");
    name.className = "prob-name";
    name.textContent = classNames[i];
    const bar = document.createElement("span");
    bar.className = "prob-bar";
    bar.style.width = `${(100 * probabilities[i]).toFixed(1)}%`;
    const value = document.createElement("span");
    value.className = "prob-value";
    value.textContent = `${(100 * probabilities[i]).toFixed(1)} %`;
    const track = document.createElement("span");
    track.className = "prob-track";
    track.append(bar);
    row.append(name, track, value);
    container.append(row);
  }
}
