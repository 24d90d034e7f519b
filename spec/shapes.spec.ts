import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { full, zeros, type Tensor } from "../src/tensor.js";
import { conv1d, conv1dBackward } from "../src/ops/conv1d.js";
import { receptiveField, receptiveField1d, type ReceptiveFieldLayer1d } from "../src/shapes.js";
import { fcParams } from "./support/properties.js";
import { throwsOpError } from "./support/assertions.js";

test('001, "Pooling Layer: Receptive Field Size": K×K conv (stride 1) + P×P pool → a (K + P − 1)×(K + P − 1) patch', () => {
  for (const K of [1, 3, 5, 7]) {
    for (const P of [1, 2, 3]) {
      // The pool's stride does not change the answer for one pooling unit; try the usual P and 1.
      for (const poolStride of [P, 1]) {
        const [, pool] = receptiveField([{ kernel: K, stride: 1 }, { kernel: P, stride: poolStride }]);
        assert.equal(pool.size, [K + P - 1, K + P - 1], `K = ${K}, P = ${P}`);
      }
    }
  }
  // LeNet's first stage (000: 5×5 conv stride 1, 2×2 pool stride 2): 6×6, and units 2 pixels apart.
  const [, pool] = receptiveField([{ kernel: 5, stride: 1 }, { kernel: 2, stride: 2 }]);
  assert.equal(pool.size, [6, 6]);
  assert.equal(pool.jump, [2, 2]);
});

test("stacks worked by hand: three 3×3 convs see 7×7; a strided first layer doubles later growth; dilation widens", () => {
  const three = receptiveField1d([{ kernel: 3, stride: 1 }, { kernel: 3, stride: 1 }, { kernel: 3, stride: 1 }]);
  assert.equal(three.map((u) => u.size), [3, 5, 7]);
  assert.equal(three.map((u) => u.start), [1, 2, 3]); // no padding: the first unit's centre moves right by 1 each layer
  const strided = receptiveField1d([{ kernel: 3, stride: 2 }, { kernel: 3, stride: 1 }]);
  assert.equal(strided.map((u) => [u.size, u.jump, u.start, u.first]), [[3, 2, 1, 0], [7, 2, 3, 0]]);
  const padded = receptiveField1d([{ kernel: 3, stride: 1, padding: 1 }]);
  assert.equal([padded[0].start, padded[0].first], [0, -1]); // centred on pixel 0, reaching one pixel into the padding
  assert.equal(receptiveField1d([{ kernel: 3, stride: 1, dilation: 2 }])[0].size, 5);
  // An even kernel's centre falls between pixels.
  assert.is(receptiveField1d([{ kernel: 2, stride: 2 }])[0].start, 0.5);
});

test("000's AlexNet: output sizes 55, 27, 27, 13, 13, 13, 13, 6 from 227, and receptive fields 11, 19, 51, …", () => {
  // [227x227x3] → CONV1 11×11 s4 p0 → POOL1 3×3 s2 → CONV2 5×5 s1 p2 → POOL2 3×3 s2 → CONV3-5 3×3 s1 p1 → POOL3 3×3 s2.
  const layers = [
    { kernel: 11, stride: 4 }, { kernel: 3, stride: 2 }, { kernel: 5, stride: 1, padding: 2 }, { kernel: 3, stride: 2 },
    { kernel: 3, stride: 1, padding: 1 }, { kernel: 3, stride: 1, padding: 1 }, { kernel: 3, stride: 1, padding: 1 }, { kernel: 3, stride: 2 },
  ];
  const units = receptiveField(layers, 227);
  assert.equal(units.map((u) => u.outputSize![0]), [55, 27, 27, 13, 13, 13, 13, 6]);
  // size: 11; 11 + 2·4 = 19; 19 + 4·8 = 51; 51 + 2·8 = 67; then + 2·16 three times; then + 2·16.
  assert.equal(units.map((u) => u.size[0]), [11, 19, 51, 67, 99, 131, 163, 195]);
  assert.equal(units.map((u) => u.jump[0]), [4, 8, 8, 16, 16, 16, 16, 32]);
});

test("pairs give per-axis answers", () => {
  const [u] = receptiveField([{ kernel: [3, 1], stride: [1, 2], padding: [1, 0], dilation: [2, 1] }], [5, 8]);
  assert.equal(u.size, [5, 1]);
  assert.equal(u.jump, [1, 2]);
  assert.equal(u.outputSize, [3, 4]); // ⌊(5 + 2 − 5)/1⌋ + 1, ⌊(8 − 1)/2⌋ + 1
});

/**
 * The field measured, not computed: backpropagate a one-hot upstream at output
 * unit u through a stack of conv1d layers with positive weights and find the
 * input pixels with a nonzero gradient.
 */
function measuredField(layers: ReceptiveFieldLayer1d[], L: number, u: number): { lo: number; hi: number } {
  const inputs: Tensor[] = [];
  const weights: Tensor[] = [];
  let x = full([1, 1, L], 1, "float64");
  for (const layer of layers) {
    const w = full([1, 1, layer.kernel], 1, "float64");
    inputs.push(x);
    weights.push(w);
    x = conv1d(x, w, undefined, layer);
  }
  let g = zeros(x.shape, "float64");
  g.data[u] = 1;
  for (let l = layers.length - 1; l >= 0; l--) g = conv1dBackward(g, inputs[l], weights[l], undefined, layers[l]).input;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < L; i++) {
    if (g.data[i] !== 0) {
      lo = Math.min(lo, i);
      hi = Math.max(hi, i);
    }
  }
  return { lo, hi };
}

test("the computed field matches the input pixels a unit's gradient actually reaches, over random stacks", () => {
  const layer = fc.record({
    kernel: fc.integer({ min: 1, max: 4 }),
    stride: fc.integer({ min: 1, max: 3 }),
    padding: fc.integer({ min: 0, max: 2 }),
    dilation: fc.integer({ min: 1, max: 3 }),
  });
  let checked = 0;
  fc.assert(
    fc.property(fc.array(layer, { minLength: 1, maxLength: 4 }), (layers) => {
      const L = 120;
      const units = receptiveField1d(layers, L);
      const top = units[units.length - 1];
      // A unit whose whole field lies inside the input (so padding does not clip it), if any.
      for (let u = 0; u < top.outputSize!; u++) {
        const lo = top.first + u * top.jump, hi = lo + top.size - 1;
        if (lo < 0 || hi > L - 1) continue;
        const measured = measuredField(layers, L, u);
        assert.equal([measured.lo, measured.hi], [lo, hi], `unit ${u} of ${JSON.stringify(layers)}`);
        assert.is((lo + hi) / 2, top.start + u * top.jump);
        checked++;
        return;
      }
    }),
    fcParams(60),
  );
  assert.ok(checked >= 50, `only ${checked} of 60 stacks had a unit whose field lies inside the input`);
});

test("bad layers throw OpError naming the layer and field", () => {
  throwsOpError(() => receptiveField1d([{ kernel: 3, stride: 1 }, { kernel: 0, stride: 1 }]), /^receptive_field: layers\[1\]\.kernel: expected an integer ≥ 1, got 0$/);
  throwsOpError(() => receptiveField1d([{ kernel: 3, stride: 1, padding: -1 }]), /^receptive_field: layers\[0\]\.padding: expected an integer ≥ 0, got -1$/);
  throwsOpError(() => receptiveField1d([{ kernel: 3 } as ReceptiveFieldLayer1d]), /^receptive_field: layers\[0\]\.stride: expected an integer ≥ 1, got nothing$/);
  throwsOpError(() => receptiveField([{ kernel: [3, 3, 3] as unknown as number, stride: 1 }]), /^receptive_field: layers\[0\]\.kernel: expected an integer ≥ 1, got \[3,3,3\]$/);
  throwsOpError(() => receptiveField1d([{ kernel: 5, stride: 1 }], 4), /^receptive_field: layers\[0\]: expected an input of at least 5 \(kernel span 5, padding 0\) so that the output size is ≥ 1, got 4$/);
  throwsOpError(() => receptiveField1d([{ kernel: 5, stride: 1 }], 0), /^receptive_field: inputSize: expected an integer ≥ 1, got 0$/);
  // The measured-field helper above really sees padding clip a field: a padded 3-tap conv's unit 0 reaches pixels 0…1 only.
  assert.equal(measuredField([{ kernel: 3, stride: 1, padding: 1 }], 4, 0), { lo: 0, hi: 1 });
});

test.run();
