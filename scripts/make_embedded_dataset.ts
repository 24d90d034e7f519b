/**
 * Makes the embedded default dataset in src/data/embedded/: a stratified
 * (equal per class), seeded subset of Fashion-MNIST, as gzipped IDX files
 * under the standard names, plus its README and the dataset's licence.
 *
 *   node --import tsx scripts/make_embedded_dataset.ts [SOURCE_DIR [OUT_DIR [TRAIN_PER_CLASS TEST_PER_CLASS]]]
 *
 * SOURCE_DIR defaults to /usr/share/datasets/fashion-mnist (Debian's
 * `dataset-fashion-mnist` package), OUT_DIR to src/data/embedded (other
 * directories and counts are for experiments). The output is byte-for-byte the same on
 * every run (fixed seed; gzip with mtime 0), so re-running it leaves git clean.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Random } from "../src/random.js";
import { encodeIdx } from "../src/data/idx.js";
import { classCounts, selectImages, stratifiedIndices, type ImageDataset } from "../src/data/dataset.js";
import { IDX_FILE_NAMES } from "../src/data/idx_files.js";
import { loadIdxDirectory, embeddedDatasetDirectory } from "../src/data/node_files.js";

/** Images per class: 580 × 10 training and 100 × 10 test images (2,980,471 bytes gzipped: as many training images as fit the 3 MB budget beside a 1,000-image test set). */
const TRAIN_PER_CLASS = Number(process.argv[4] ?? 580);
const TEST_PER_CLASS = Number(process.argv[5] ?? 100);
const SEED = 20260505;

const source = process.argv[2] ?? "/usr/share/datasets/fashion-mnist";
const out = process.argv[3] ?? embeddedDatasetDirectory();

function gzip(bytes: Uint8Array): Uint8Array {
  return gzipSync(bytes, { level: 9 });
}

function imagesIdx(d: ImageDataset): Uint8Array {
  return encodeIdx({ type: "uint8", dims: [d.count, d.height, d.width], data: d.images });
}

function labelsIdx(d: ImageDataset): Uint8Array {
  return encodeIdx({ type: "uint8", dims: [d.count], data: d.labels });
}

const full = await loadIdxDirectory(source);
const rng = new Random(SEED);
const train = selectImages(full.train, stratifiedIndices(full.train, TRAIN_PER_CLASS, rng));
const test = selectImages(full.test, stratifiedIndices(full.test, TEST_PER_CLASS, rng));

await mkdir(out, { recursive: true });
const files: Array<[string, Uint8Array]> = [
  [`${IDX_FILE_NAMES.trainImages}.gz`, gzip(imagesIdx(train))],
  [`${IDX_FILE_NAMES.trainLabels}.gz`, gzip(labelsIdx(train))],
  [`${IDX_FILE_NAMES.testImages}.gz`, gzip(imagesIdx(test))],
  [`${IDX_FILE_NAMES.testLabels}.gz`, gzip(labelsIdx(test))],
];
let total = 0;
for (const [name, bytes] of files) {
  await writeFile(join(out, name), bytes);
  total += bytes.length;
  console.log(`${name}: ${bytes.length} bytes`);
}

await writeFile(join(out, "README.md"), `# The embedded dataset: a subset of Fashion-MNIST

A stratified subset of [Fashion-MNIST](https://github.com/zalandoresearch/fashion-mnist)
(Zalando's article images, 28×28 grayscale, 10 classes), shipped so that
\`nnref train\` needs nothing else:

| split | images | per class | taken from |
|---|---|---|---|
| train | ${train.count} | ${TRAIN_PER_CLASS} | the 60,000 training images |
| test | ${test.count} | ${TEST_PER_CLASS} | the 10,000 test images |

Each class's images were drawn uniformly without replacement with nnref's
\`Random(${SEED})\` (training classes 0…9 first, then test classes 0…9) and
kept in their original order. Class counts: train ${JSON.stringify(classCounts(train))},
test ${JSON.stringify(classCounts(test))}. Files: standard IDX, gzipped
(${total} bytes in all). Made by \`scripts/make_embedded_dataset.ts\` from
Debian's \`dataset-fashion-mnist\` (\`/usr/share/datasets/fashion-mnist/\`);
re-running it reproduces these bytes.

Fashion-MNIST is © 2017 Zalando SE, released under the MIT licence; the
licence text is in \`LICENSE\` beside this file and applies to these files.
`);

await writeFile(join(out, "LICENSE"), `The MIT License (MIT)

Copyright © [2017] Zalando SE, https://tech.zalando.com

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the “Software”), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED “AS IS”, WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`);
console.log(`wrote ${out}: ${train.count} training and ${test.count} test images, ${total} bytes`);
