/**
 * The PNG writer, read back by an independent decoder written here with
 * node:zlib (inflate and crc32): signature, chunk CRCs, IHDR fields, and every
 * pixel; and the image grid's layout and value mapping, read back the same way.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodePng } from "../../src/io/png_encode.js";
import { imageGrid, imageGridPng, imageGridSvg, labelMapTile, symmetricRange, LABEL_PALETTE } from "../../src/train/image_grid.js";
import { rejectsWith } from "../support/assertions.js";
import { decodePng } from "../support/png.js";

test("encodePng gray: node:zlib decodes every pixel back; chunks IHDR, IDAT, IEND with valid CRCs", async () => {
  const width = 37, height = 11;
  const pixels = Uint8Array.from({ length: width * height }, (_, i) => (i * 97 + (i >> 3)) & 0xff);
  const png = await encodePng(pixels, width, height, 1);
  const d = decodePng(png);
  assert.equal([d.width, d.height, d.bitDepth, d.colorType], [37, 11, 8, 0]);
  assert.equal(d.chunks, ["IHDR", "IDAT", "IEND"]);
  assert.equal([...d.pixels], [...pixels]);
});

test("encodePng RGB: colour type 2, R G B in order", async () => {
  const pixels = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
  const d = decodePng(await encodePng(pixels, 3, 2, 3));
  assert.equal([d.width, d.height, d.colorType], [3, 2, 2]);
  assert.equal([...d.pixels], [...pixels]);
});

test("encodePng compresses (a flat 256×256 image is far below its 64 KB of pixels) and refuses wrong sizes", async () => {
  const flat = await encodePng(new Uint8Array(256 * 256).fill(7), 256, 256);
  assert.ok(flat.length < 2000, `${flat.length} bytes`);
  assert.equal([...decodePng(flat).pixels.subarray(0, 3)], [7, 7, 7]);
  await rejectsWith(() => encodePng(new Uint8Array(5), 2, 2), /encodePng: expected 2×2×1 = 4 pixel bytes, got 5/);
  await rejectsWith(() => encodePng(new Uint8Array(0), 0, 2), /encodePng: width: expected an integer/);
  await rejectsWith(() => encodePng(new Uint8Array(4), 2, 2, 4 as 1), /channels: expected 1 \(gray\) or 3 \(RGB\), got 4/);
});

test("imageGrid: tiles in rows, min → black and max → white per tile, zoom, white gaps; the PNG round-trips", async () => {
  const a = { data: [0, 1, 2, 3], height: 2, width: 2 }; // range [0, 3]
  const b = { data: [-1, 1, 0, 0], height: 2, width: 2, range: [-1, 1] as const };
  const c = { data: [5], height: 1, width: 1 }; // constant tile: mid-gray
  const grid = imageGrid([a, b, c], { columns: 2, zoom: 2, gap: 1 });
  // cells 4×4, 2 columns, 2 rows: width 1 + 2·(4 + 1) = 11, height the same
  assert.equal([grid.width, grid.height, grid.channels, grid.labelHeight], [11, 11, 1, 0]);
  assert.equal(grid.cells.map((c) => [c.x, c.y, c.width, c.height]), [[1, 1, 4, 4], [6, 1, 4, 4], [1, 6, 2, 2]]);
  const at = (x: number, y: number) => grid.pixels[y * grid.width + x];
  assert.equal([at(1, 1), at(2, 2), at(3, 1), at(1, 3), at(4, 4)], [0, 0, 85, 170, 255]);
  assert.equal([at(6, 1), at(8, 1), at(6, 3)], [0, 255, 128]);
  assert.is(at(1, 6), 128);
  assert.equal([at(0, 0), at(5, 2), at(10, 10), at(3, 7)], [255, 255, 255, 255], "gaps and the unused cell part are white");
  const d = decodePng(await imageGridPng(grid));
  assert.equal([...d.pixels], [...grid.pixels]);
  assert.equal(symmetricRange([-0.5, 2, -3]), [-3, 3]);
  assert.throws(() => imageGrid([{ data: [1, 2, 3], height: 2, width: 2 }]), /imageGrid: tile 0: expected 2×2×1 = 4 values, got 3/);
  assert.throws(() => imageGrid([]), /expected at least one tile/);
});

test("imageGrid: a label map tile makes the grid RGB in the palette's colours; labels leave a band and appear in the SVG", async () => {
  const mask = labelMapTile([0, 1, 2, 1], 2, 2, "truth <mask>");
  const gray = { data: [0, 255, 0, 255], height: 2, width: 2, label: "input" };
  const grid = imageGrid([gray, mask], { gap: 0, labelHeight: 10 });
  assert.equal([grid.width, grid.height, grid.channels], [4, 12, 3]);
  const rgb = (x: number, y: number) => [...grid.pixels.subarray((y * grid.width + x) * 3, (y * grid.width + x) * 3 + 3)];
  assert.equal(rgb(1, 0), [255, 255, 255], "gray tile replicated to R = G = B");
  assert.equal(rgb(2, 0), [...LABEL_PALETTE[0]]);
  assert.equal(rgb(3, 0), [...LABEL_PALETTE[1]]);
  assert.equal(rgb(2, 1), [...LABEL_PALETTE[2]]);
  assert.equal(rgb(0, 5), [255, 255, 255], "label band");
  const png = await imageGridPng(grid);
  const svg = imageGridSvg(grid, png, { title: "masks", scale: 4 });
  assert.ok(svg.includes(">truth &lt;mask&gt;</text>") && svg.includes(">input</text>") && svg.includes(">masks</text>"));
  const uri = svg.match(/href="data:image\/png;base64,([^"]+)"/);
  assert.ok(uri);
  assert.equal([...decodePng(Uint8Array.from(Buffer.from(uri![1], "base64"))).pixels], [...grid.pixels]);
});

test.run();
