// 001/003/004 filters on the shipped photograph and LeNet-5's learned conv1 filters, with the PNG grids read back.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fromArray } from "../../../src/tensor.js";
import { decodePgm } from "../../../src/io/pgm.js";
import { imageFilters, totalVariation } from "../../../src/lecture/experiments/image_filters.js";
import { assertClaimsHold, runQuick } from "../../support/experiments.js";
import { decodePng } from "../../support/png.js";

const pgmPath = fileURLToPath(new URL("../../../src/data/images/camera-128.pgm", import.meta.url));

test("the shipped photograph: a 128×128 binary PGM under 64 KB, with its licence", () => {
  const bytes = new Uint8Array(readFileSync(pgmPath));
  assert.ok(bytes.length <= 64 * 1024);
  const image = decodePgm(bytes, "camera-128.pgm");
  assert.equal([image.width, image.height, image.channels, image.data.length], [128, 128, 1, 16384]);
  assert.ok(new Set(image.data).size > 100, "a photograph, not a flat test pattern");
  assert.match(readFileSync(new URL("../../../src/data/images/LICENSE", import.meta.url), "utf8"), /CC0/);
});

test("totalVariation by hand", () => {
  assert.is(totalVariation(fromArray([0, 1, 3, 0, 0, 0], [2, 3], "float64")), 1 + 2 + 0 + 0 + 1 + 3);
});

test("image-filters (quick): smoothing lowers the total variation, sharpening raises it, Sobel ≈ derivative of Gaussian; LeNet-5's filters learn", async () => {
  const result = await runQuick(imageFilters);
  assertClaimsHold(result);
  assert.equal(result.figures.map((f) => f.file), ["filters.png", "filters.svg", "lenet-filters.png", "lenet-filters.svg"]);
  // the first tile of the filter grid is the photograph itself, mapped [0, 1] → [0, 255]: the PGM's bytes
  const grid = decodePng(result.figures[0].data as Uint8Array);
  assert.equal([grid.colorType, grid.width], [0, 4 + 4 * (128 + 4)]);
  const photo = decodePgm(new Uint8Array(readFileSync(pgmPath)));
  for (const [y, x] of [[0, 0], [17, 90], [127, 127], [64, 3]]) assert.is(grid.pixels[(4 + y) * grid.width + 4 + x], photo.data[y * 128 + x], `pixel (${y}, ${x})`);
  const filters = decodePng(result.figures[2].data as Uint8Array);
  assert.equal([filters.width, filters.height], [4 + 6 * (50 + 4), 4 + 2 * (50 + 12 + 4)]);
  const svg = result.figures[1].data as string;
  for (const name of ["box 5×5", "Gaussian σ = 2", "Sobel x", "∂G/∂x, σ = 1"]) assert.ok(svg.includes(`>${name}</text>`), name);
});

test.run();
