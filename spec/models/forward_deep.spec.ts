/**
 * A forward pass of VGG-16, VGG-19, ResNet-101 and ResNet-152 on one
 * 224×224 image, on the wasm backend when it loads (see ./forward_check.ts;
 * the other models are in forward.spec.ts).
 */
import { test } from "uvu";
import { checkForward } from "./forward_check.js";

for (const name of ["vgg16", "vgg19", "resnet101", "resnet152"]) {
  test(`${name}: forward on one image runs; output [1, classes] finite; leaf shapes = summary rows`, () => checkForward(name));
}

test.run();
