import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { embeddedDatasetDirectory, loadEmbeddedDataset } from "../../src/data/node_files.js";
import { classCounts } from "../../src/data/dataset.js";
import { computeStandardization } from "../../src/data/standardize.js";
import { IDX_FILE_NAMES } from "../../src/data/idx_files.js";

const data = await loadEmbeddedDataset();

test("the embedded subset: 5,800 training and 1,000 test images of 1×28×28, equal per class", () => {
  assert.is(data.train.count, 5800);
  assert.is(data.test.count, 1000);
  assert.equal([data.train.channels, data.train.height, data.train.width, data.train.classes], [1, 28, 28, 10]);
  assert.equal(classCounts(data.train), new Array(10).fill(580));
  assert.equal(classCounts(data.test), new Array(10).fill(100));
});

test("it stays within the 3 MB budget, with the licence and attribution beside it", async () => {
  const dir = embeddedDatasetDirectory();
  let bytes = 0;
  for (const name of Object.values(IDX_FILE_NAMES)) bytes += (await stat(join(dir, `${name}.gz`))).size;
  assert.ok(bytes <= 3_000_000, `${bytes} bytes`);
  const licence = await readFile(join(dir, "LICENSE"), "utf8");
  assert.match(licence, /Zalando SE/);
  assert.match(licence, /MIT License/);
  assert.match(await readFile(join(dir, "README.md"), "utf8"), /© 2017 Zalando SE/);
});

test("its pixel statistics are those of Fashion-MNIST (mean ≈ 0.2860, std ≈ 0.3530 on the full training set)", () => {
  const s = computeStandardization(data.train);
  assert.ok(Math.abs(s.mean - 0.286) < 0.005, `mean ${s.mean}`);
  assert.ok(Math.abs(s.std - 0.353) < 0.005, `std ${s.std}`);
});

test.run();
