/**
 * ZFNet (000, "ZFNet", Zeiler & Fergus 2013): "AlexNet but: CONV1: change
 * from (11×11 stride 4) to (7×7 stride 2); CONV3,4,5: instead of 384, 384,
 * 256 filters use 512, 1024, 512".
 *
 * The rest follows the paper's Figure 3 (the network on the lecture's
 * slide), not AlexNet's numbers, where the two differ: a 224×224 input,
 * CONV1 with padding 1 (224 → 110), CONV2 5×5 at stride 2 without padding
 * (55 → 26), and pooling that rounds up (Caffe's rule; `ceilMode`), so the
 * maps are 110, 55, 26, 13, 13, 13, 13, 6 as in the figure:
 *
 *   [224×224×3] → CONV1 96 7×7/2 → [110×110×96] → POOL 3×3/2 → [55×55×96] → NORM
 *   → CONV2 256 5×5/2 → [26×26×256] → POOL 3×3/2 → [13×13×256] → NORM
 *   → CONV3 512 → CONV4 1024 → CONV5 512 (3×3/1, pad 1) → POOL 3×3/2 → [6×6×512]
 *   → FC 4096 → FC 4096 → FC 1000
 *
 * ReLU, dropout 0.5 and the NORM layers as in ./alexnet.ts.
 */
import type { Random } from "../random.js";
import { Conv2d, Flatten, MaxPool2d, ReLU, Sequential } from "../nn/index.js";
import { alexNetConv3to5, alexNetNorm } from "./alexnet.js";
import { flatSize, fullyConnectedHead } from "./fully_connected_head.js";
import { NamedSequential } from "./named_sequential.js";
import { commonOptions, scaled, type ModelOptions } from "./options.js";

/** ZFNet: input [N, 3, 224, 224] → class scores [N, numClasses]; children `features`, `flatten`, `classifier`. */
export function zfnet(rng: Random, options: ModelOptions = {}): NamedSequential {
  const { numClasses, inputSize, width, hidden, dtype } = commonOptions("zfnet", options, { inputSize: [3, 224, 224] });
  const c = (n: number) => scaled(n, width);
  const pool = () => new MaxPool2d(3, { stride: 2, ceilMode: true });
  const features = new Sequential(
    new Conv2d(inputSize[0], c(96), 7, rng, { stride: 2, padding: 1, dtype }), // CONV1
    new ReLU(),
    pool(),
    alexNetNorm(),
    new Conv2d(c(96), c(256), 5, rng, { stride: 2, dtype }), // CONV2
    new ReLU(),
    pool(),
    alexNetNorm(),
    ...alexNetConv3to5([c(256), c(512), c(1024), c(512)], rng, dtype), // CONV3 512, CONV4 1024, CONV5 512
    pool(),
  );
  return new NamedSequential([
    ["features", features],
    ["flatten", new Flatten()],
    ["classifier", fullyConnectedHead(flatSize("zfnet", features, inputSize), hidden, numClasses, rng, dtype)],
  ]);
}
