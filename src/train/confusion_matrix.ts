/**
 * The confusion matrix and per-class accuracy of an evaluation
 * (./evaluate.ts) as text for a terminal and as a hand-written SVG (no
 * dependency). Rows are true classes, columns predicted ones; the SVG shades
 * each cell by its share of the row (the true class's images), so the
 * diagonal reads as each class's accuracy and a dark off-diagonal cell as a
 * common confusion (e.g. Fashion-MNIST's Shirt taken for T-shirt/top).
 */
import type { ClassifierEvaluation } from "./evaluate.js";

/** The largest number of classes drawn as an SVG matrix (beyond it the picture stops being readable). */
export const MAX_SVG_CLASSES = 100;

/** The name of class `c`: `names[c]` when given, else its index. */
function className(c: number, names?: readonly string[]): string {
  return names && names[c] !== undefined ? names[c] : `class ${c}`;
}

function checkEvaluation(where: string, e: Pick<ClassifierEvaluation, "classes" | "confusion">): void {
  if (!Number.isInteger(e.classes) || e.classes < 1 || e.confusion.length !== e.classes * e.classes) {
    throw new RangeError(`${where}: expected confusion counts of ${e.classes}×${e.classes}, got ${e.confusion.length} values`);
  }
}

/**
 * The confusion matrix as aligned text: a header of predicted-class indices,
 * then one row per true class, labelled `index name`.
 */
export function formatConfusionMatrix(e: Pick<ClassifierEvaluation, "classes" | "confusion">, names?: readonly string[]): string {
  checkEvaluation("formatConfusionMatrix", e);
  const c = e.classes;
  const labels = Array.from({ length: c }, (_, i) => `${i} ${names?.[i] ?? ""}`.trimEnd());
  const labelWidth = Math.max("true \\ predicted".length, ...labels.map((l) => l.length));
  const cell = Math.max(3, String(Math.max(c - 1, ...e.confusion)).length) + 1;
  const lines = [`${"true \\ predicted".padEnd(labelWidth)}${Array.from({ length: c }, (_, j) => String(j).padStart(cell)).join("")}`];
  for (let t = 0; t < c; t++) {
    let row = labels[t].padEnd(labelWidth);
    for (let p = 0; p < c; p++) row += String(e.confusion[t * c + p]).padStart(cell);
    lines.push(row);
  }
  return lines.join("\n");
}

/** Each class's images and accuracy (its recall), one line per class. */
export function formatPerClassAccuracy(e: Pick<ClassifierEvaluation, "classes" | "classCounts" | "perClassAccuracy">, names?: readonly string[]): string {
  const labels = Array.from({ length: e.classes }, (_, i) => `${i} ${names?.[i] ?? ""}`.trimEnd());
  const labelWidth = Math.max(5, ...labels.map((l) => l.length));
  const lines = [`${"class".padEnd(labelWidth)}  images  accuracy`];
  for (let t = 0; t < e.classes; t++) {
    const acc = e.perClassAccuracy[t];
    lines.push(`${labels[t].padEnd(labelWidth)}  ${String(e.classCounts[t]).padStart(6)}  ${Number.isNaN(acc) ? "       –" : acc.toFixed(4).padStart(8)}`);
  }
  return lines.join("\n");
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * The confusion matrix as an SVG document (a string): one square per (true,
 * predicted) pair holding its count, shaded by count / images of the true
 * class; class names on both axes. At most MAX_SVG_CLASSES classes.
 */
export function confusionMatrixSvg(e: Pick<ClassifierEvaluation, "classes" | "confusion">, names?: readonly string[], title = "confusion matrix"): string {
  checkEvaluation("confusionMatrixSvg", e);
  const c = e.classes;
  if (c > MAX_SVG_CLASSES) throw new RangeError(`confusionMatrixSvg: expected at most ${MAX_SVG_CLASSES} classes, got ${c}`);
  const cellSize = c <= 12 ? 44 : c <= 30 ? 24 : 10;
  const labelWidth = 8 + 7 * Math.max(...Array.from({ length: c }, (_, i) => className(i, names).length));
  const left = labelWidth + 30;
  const top = 60 + labelWidth;
  const width = Math.max(left + c * cellSize + 20, 7 * title.length + 40);
  const height = top + c * cellSize + 40;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
    `<text x="${left + (c * cellSize) / 2}" y="42" text-anchor="middle" font-size="12">predicted class</text>`,
    `<text x="14" y="${top + (c * cellSize) / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${top + (c * cellSize) / 2})">true class</text>`,
  ];
  for (let j = 0; j < c; j++) {
    const x = left + j * cellSize + cellSize / 2 + 4;
    parts.push(`<text x="${x}" y="${top - 6}" font-size="11" transform="rotate(-90 ${x} ${top - 6})">${escapeXml(className(j, names))}</text>`);
  }
  for (let t = 0; t < c; t++) {
    let rowTotal = 0;
    for (let p = 0; p < c; p++) rowTotal += e.confusion[t * c + p];
    const y = top + t * cellSize;
    parts.push(`<text x="${left - 6}" y="${y + cellSize / 2 + 4}" text-anchor="end" font-size="11">${escapeXml(className(t, names))}</text>`);
    for (let p = 0; p < c; p++) {
      const count = e.confusion[t * c + p];
      const share = rowTotal > 0 ? count / rowTotal : 0;
      const shade = Math.round(255 - share * 200);
      const fill = p === t ? `rgb(${shade},${Math.round(255 - share * 120)},${shade})` : `rgb(255,${shade},${shade})`;
      const x = left + p * cellSize;
      parts.push(`<rect x="${x}" y="${y}" width="${cellSize}" height="${cellSize}" fill="${fill}" stroke="#ccc"><title>${escapeXml(`true ${className(t, names)}, predicted ${className(p, names)}: ${count}`)}</title></rect>`);
      if (cellSize >= 24 && count > 0) {
        parts.push(`<text x="${x + cellSize / 2}" y="${y + cellSize / 2 + 4}" text-anchor="middle" font-size="${cellSize >= 44 ? 12 : 9}"${share > 0.6 ? ' fill="white"' : ""}>${count}</text>`);
      }
    }
  }
  parts.push(`<text x="${width / 2}" y="${height - 12}" text-anchor="middle" font-size="11" fill="#444">cells shaded by their share of the true class's images</text>`, "</svg>", "");
  return parts.join("\n");
}
