/**
 * Node-only: the real photograph shipped for the filter experiments,
 * src/data/images/camera-128.pgm — scikit-image's "camera" picture (CC0,
 * Lav Varshney), 128×128 gray; see src/data/images/README.md. Found relative
 * to the package root like the embedded dataset (./node_files.ts).
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { decodePgm } from "../io/pgm.js";
import type { RasterImage } from "../io/raster_image.js";

/** The path of the shipped photograph. */
export function testImagePath(): string {
  return fileURLToPath(new URL("../../src/data/images/camera-128.pgm", import.meta.url));
}

/** The shipped 128×128 gray photograph ("camera", CC0): one channel, uint8 data [128, 128]. */
export async function loadTestImage(): Promise<RasterImage> {
  const path = testImagePath();
  return decodePgm(new Uint8Array(await readFile(path)), path);
}
