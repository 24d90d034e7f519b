// 000/001 segmentation: the three networks beat the majority class on unseen shapes; masks drawn as PNG grids.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Random } from "../../../src/random.js";
import { segmentation, squaresAndDiscs } from "../../../src/lecture/experiments/segmentation.js";
import { LABEL_PALETTE } from "../../../src/train/image_grid.js";
import { assertClaimsHold, runQuick } from "../../support/experiments.js";
import { decodePng } from "../../support/png.js";

test("squaresAndDiscs: every image has square and disc pixels; without noise, pixel values are +1, −1, 0 by label", () => {
  const { images, labels } = squaresAndDiscs(20, 16, new Random(3));
  assert.equal(images.shape, [20, 1, 16, 16]);
  for (let n = 0; n < 20; n++) {
    const l = labels.data.subarray(n * 256, (n + 1) * 256);
    assert.ok(l.includes(1) && l.includes(2) && l.includes(0), `image ${n}`);
    // noise is N(0, 0.2²): |value − level| < 1 everywhere (5σ), so the label's level is the nearest of +1, −1, 0
    for (let p = 0; p < 256; p++) assert.ok(Math.abs(images.data[n * 256 + p] - [0, 1, -1][l[p]]) < 1, `image ${n} pixel ${p}`);
  }
});

test("segmentation (quick): unpooling, transposed and atrous networks all segment unseen images far above the majority class", async () => {
  const result = await runQuick(segmentation);
  assertClaimsHold(result);
  const png = decodePng(result.figures[0].data as Uint8Array);
  assert.equal([png.colorType, png.width], [2, 4 + 5 * (64 + 4)]);
  // the truth column of the first row uses only palette colours 0 (background), 1 (square), 2 (disc)
  const colours = new Set<string>();
  for (let y = 4; y < 4 + 64; y++) for (let x = 4 + 68; x < 4 + 68 + 64; x++) colours.add([...png.pixels.subarray((y * png.width + x) * 3, (y * png.width + x) * 3 + 3)].join(","));
  assert.equal([...colours].sort(), [0, 1, 2].map((k) => LABEL_PALETTE[k].join(",")).sort());
});

test.run();
