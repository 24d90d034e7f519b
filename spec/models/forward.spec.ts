/**
 * A forward pass of every model of the zoo on one image, on the wasm backend
 * when it loads, at the published input size (see ./forward_check.ts). The
 * deepest (VGG-16/19, ResNet-101/152) are in forward_deep.spec.ts so that
 * each file stays near 10 s.
 */
import { test } from "uvu";
import { models } from "../../src/models/index.js";
import { checkForward } from "./forward_check.js";

/** The models forward_deep.spec.ts covers. */
const deepModels = ["vgg16", "vgg19", "resnet101", "resnet152"];

for (const name of Object.keys(models).filter((n) => !deepModels.includes(n))) {
  test(`${name}: forward on one image runs; output [1, classes] finite; leaf shapes = summary rows`, () => checkForward(name));
}

test.run();
