import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { fromArray, randn, tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { Variable } from "../../src/autograd/variable.js";
import { Conv2d } from "../../src/nn/conv.js";
import { ConvTranspose2d } from "../../src/nn/conv_transpose.js";
import { fcParams } from "../support/properties.js";

/** The 3×3 image 1…9 as [1, 1, 3, 3]. */
const nine = () => new Variable(fromArray([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3], "float64"));

function convWith(weights: number[], kernel: [number, number], options: ConstructorParameters<typeof Conv2d>[4] = {}) {
  const conv = new Conv2d(1, 1, kernel, new Random(0), { dtype: "float64", ...options });
  conv.weight.value.data.set(weights);
  return conv;
}

// out[i, j] = x[i, j]·1 + x[i+1, j+1]·(−1) + 0.5 = −4 + 0.5 on the 1…9 image.
test("Conv2d computes cross-correlation plus bias (hand-checked)", () => {
  const conv = convWith([1, 0, 0, -1], [2, 2]);
  conv.bias!.value.data[0] = 0.5;
  const y = conv.forward(nine());
  assert.equal(y.shape, [1, 1, 2, 2]);
  assert.equal([...y.value.data], [-3.5, -3.5, -3.5, -3.5]);
});

// Padded 5×5 with stride 2: windows at rows/cols {0,1} and {2,3} of the padded image.
test("Conv2d stride 2, padding 1 with a 2×2 box (hand-checked)", () => {
  const y = convWith([1, 1, 1, 1], [2, 2], { stride: 2, padding: 1, bias: false }).forward(nine());
  assert.equal(y.shape, [1, 1, 2, 2]);
  assert.equal([...y.value.data], [1, 2 + 3, 4 + 7, 5 + 6 + 8 + 9]);
});

// "same" with an even kernel pads the odd zero at the bottom/right, as PyTorch does.
test('Conv2d padding "same": odd and even kernels keep H×W (hand-checked)', () => {
  const even = convWith([1, 1, 1, 1], [2, 2], { padding: "same", bias: false }).forward(nine());
  assert.equal(even.shape, [1, 1, 3, 3]);
  assert.equal([...even.value.data], [12, 16, 9, 24, 28, 15, 15, 17, 9]);
  const odd = convWith([0, 0, 0, 0, 1, 0, 0, 0, 0], [3, 3], { padding: "same", bias: false }).forward(nine());
  assert.equal([...odd.value.data], [1, 2, 3, 4, 5, 6, 7, 8, 9], "identity kernel");
  const valid = convWith([1, 1, 1, 1], [2, 2], { padding: "valid", bias: false }).forward(nine());
  assert.equal([...valid.value.data], [12, 16, 24, 28]);
  assert.throws(() => new Conv2d(1, 1, 3, new Random(0), { padding: "same", stride: 2 }), /Conv2d: padding: "same" needs stride 1/);
});

// 000, "Case Study: AlexNet": CONV1 96 11×11 filters at stride 4, pad 0: [227×227×3] → [55×55×96].
test("outputShape and MACs by hand: AlexNet's CONV1, dilation, groups", () => {
  const rng = new Random(0);
  const conv1 = new Conv2d(3, 96, 11, rng, { stride: 4 });
  assert.equal(conv1.outputShape([1, 3, 227, 227]), [1, 96, 55, 55]);
  assert.is(conv1.macs([1, 3, 227, 227]), 96 * 55 * 55 * 3 * 11 * 11);
  assert.is(conv1.macs([2, 3, 227, 227]), 2 * 105415200);
  // dilation 2 turns a 3×3 kernel into a 5×5 span: 9 − 5 + 1 = 5
  const atrous = new Conv2d(2, 2, 3, rng, { dilation: 2 });
  assert.equal(atrous.outputShape([1, 2, 9, 9]), [1, 2, 5, 5]);
  // groups 2: each output channel sees Cin/groups = 2 inputs
  const grouped = new Conv2d(4, 6, [1, 3], rng, { groups: 2, padding: [0, 1] });
  assert.equal(grouped.outputShape([3, 4, 5, 7]), [3, 6, 5, 7]);
  assert.is(grouped.macs([3, 4, 5, 7]), 3 * 6 * 5 * 7 * 2 * 1 * 3);
  assert.is(conv1.describe(), "Conv2d(3, 96, kernel=11, stride=4, padding=0)");
  assert.is(grouped.describe(), "Conv2d(4, 6, kernel=[1, 3], stride=1, padding=[0, 1], groups=2)");
});

test("Conv2d: forward's shape equals outputShape over random configurations (op vs formula)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const rng = new Random(seed);
      const groups = 1 + rng.int(2);
      const cin = groups * (1 + rng.int(2));
      const cout = groups * (1 + rng.int(2));
      const k: [number, number] = [1 + rng.int(3), 1 + rng.int(3)];
      const options = { stride: [1 + rng.int(2), 1 + rng.int(2)] as [number, number], padding: [rng.int(2), rng.int(2)] as [number, number], dilation: [1 + rng.int(2), 1 + rng.int(2)] as [number, number], groups };
      const conv = new Conv2d(cin, cout, k, rng, options);
      const shape = [1 + rng.int(2), cin, 5 + rng.int(3), 5 + rng.int(3)];
      const y = conv.forward(new Variable(randn(shape, rng)));
      assert.equal(y.shape, conv.outputShape(shape), JSON.stringify({ k, options, shape }));
    }),
    fcParams(30),
  );
});

test("wrong input shapes are named in the layer's terms", () => {
  const conv = new Conv2d(3, 8, 5, new Random(0));
  assert.throws(() => conv.outputShape([1, 4, 32, 32]), /Conv2d: expected input \[N, 3, H, W\], got \[1, 4, 32, 32\]/);
  assert.throws(() => conv.outputShape([3, 32, 32]), /Conv2d: expected input \[N, 3, H, W\], got \[3, 32, 32\]/);
  assert.throws(() => conv.outputShape([1, 3, 4, 32]), /Conv2d: input size 4 with padding 0 is smaller than the kernel \(5\)/);
  assert.throws(() => conv.forward(new Variable(randn([1, 4, 8, 8], new Random(0)))), /Conv2d: expected input \[N, 3, H, W\]/);
  assert.throws(() => new Conv2d(3, 8, 3, new Random(0), { groups: 2 }), /Conv2d: groups: expected a divisor of inChannels \(3\) and outChannels \(8\), got 2/);
  assert.throws(() => new Conv2d(3, 8, 0, new Random(0)), /Conv2d: kernelSize: expected an integer ≥ 1/);
});

// Hout = (H − 1)·s − 2p + d(k − 1) + outputPadding + 1.
test("ConvTranspose2d outputShape and MACs by hand", () => {
  const rng = new Random(0);
  const up = new ConvTranspose2d(4, 2, 3, rng, { stride: 2, padding: 1, outputPadding: 1 });
  assert.equal(up.outputShape([1, 4, 5, 5]), [1, 2, 10, 10]); // 8 − 2 + 2 + 1 + 1
  assert.is(up.macs([1, 4, 5, 5]), 1 * 4 * 5 * 5 * 2 * 3 * 3);
  assert.equal(up.weight.shape, [4, 2, 3, 3]);
  const grouped = new ConvTranspose2d(4, 6, [2, 1], rng, { stride: [2, 1], groups: 2, dilation: [1, 2] });
  assert.equal(grouped.outputShape([2, 4, 3, 3]), [2, 6, 6, 3]);
  assert.equal(grouped.weight.shape, [4, 3, 2, 1]);
  assert.throws(() => new ConvTranspose2d(4, 2, 3, rng, { stride: 2, outputPadding: 2 }), /outputPadding: expected less than stride or dilation/);
  assert.throws(() => up.outputShape([1, 3, 5, 5]), /ConvTranspose2d: expected input \[N, 4, H, W\]/);
  assert.is(up.describe(), "ConvTranspose2d(4, 2, kernel=3, stride=2, padding=1, outputPadding=1)");
});

// Each input pixel stamps the kernel, scaled, at (i·s, j·s): with a 2×2 input, stride 2
// and a 2×2 kernel the stamps do not overlap.
test("ConvTranspose2d scatters each input pixel through the kernel (hand-checked)", () => {
  const up = new ConvTranspose2d(1, 1, 2, new Random(0), { stride: 2, dtype: "float64" });
  up.weight.value.data.set([1, 2, 3, 4]);
  up.bias!.value.data[0] = 0;
  const y = up.forward(new Variable(tensor([[[[1, 10], [100, 1000]]]], "float64")));
  assert.equal(y.shape, [1, 1, 4, 4]);
  assert.equal([...y.value.data], [1, 2, 10, 20, 3, 4, 30, 40, 100, 200, 1000, 2000, 300, 400, 3000, 4000]);
});

test.run();
