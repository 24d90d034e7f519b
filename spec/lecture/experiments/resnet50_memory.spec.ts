// 004 "Deep neural networks: Challenges": 26 M weights, 16 M activations, 168 MB against ResNet-50.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { resnet50Memory, resnet50MemoryExperiment } from "../../../src/lecture/experiments/resnet50_memory.js";
import { assertClaimsHold, runQuick } from "../../support/experiments.js";

test("resnet50-memory: torchvision's 25,557,032 weights; conv outputs + block sums ≈ 16 M; (26 + 16) M × 4 B ≈ 168 MB", async () => {
  assertClaimsHold(await runQuick(resnet50MemoryExperiment));
  const m = resnet50Memory();
  assert.is(m.weights, 25_557_032); // torchvision's resnet50, counted independently
  // by kind: every Conv2d output and every block's sum, and nothing else, make the "conv + sums" count
  assert.is(m.activationsConvAndSums, m.byKind.Conv2d + m.byKind.add);
  assert.is(m.activationsEveryOutput, Object.values(m.byKind).reduce((a, b) => a + b, 0));
  assert.is(m.byKind.BatchNorm2d, m.byKind.Conv2d, "a batch norm after every convolution");
});

test.run();
