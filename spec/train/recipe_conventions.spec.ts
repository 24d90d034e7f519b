// The recipe's two conventions (src/train/recipe.ts) and their flags on
// `nnref train`: momentum in the lecture's form or PyTorch's, and weight decay
// on every parameter or on the connection weights only.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { recipeTrainer } from "../../src/train/recipe.js";
import { SGD } from "../../src/optim/sgd.js";
import type { ImageDataset, TrainTestData } from "../../src/data/dataset.js";
import { main } from "../../src/cli/main.js";

/** 20 random 28×28 images of 10 classes (labels 0 … 9 in turn). */
function tiny(): TrainTestData {
  const set = (count: number): ImageDataset => ({
    images: Uint8Array.from({ length: count * 784 }, (_, i) => (i * 37) % 256),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
    count, channels: 1, height: 28, width: 28, classes: 10,
  });
  return { train: set(20), test: set(10), source: "spec" };
}

test("momentumForm: 'lecture' is V ← μV + (1 − μ)∇ from V₀ = 0 (dampening μ, zero buffer); 'pytorch' (default) no dampening", () => {
  const lecture = recipeTrainer(tiny(), { model: "mlp", momentum: 0.8, momentumForm: "lecture" }).optimizer as SGD;
  assert.is(lecture.momentum, 0.8);
  assert.is(lecture.dampening, 0.8);
  assert.is(lecture.initialBuffer, "zero");
  const pytorch = recipeTrainer(tiny(), { model: "mlp", momentum: 0.8 }).optimizer as SGD;
  assert.is(pytorch.dampening, 0);
  assert.is(pytorch.initialBuffer, "gradient");
  assert.throws(() => recipeTrainer(tiny(), { model: "mlp", momentumForm: "nesterov" as never }), /momentumForm: expected "pytorch" or "lecture", got "nesterov"/);
});

test("weightDecayOn: 'weights' leaves the biases alone; 'all' (default) decays every parameter", () => {
  const t = recipeTrainer(tiny(), { model: "lenet5", weightDecay: 1e-3, weightDecayOn: "weights" });
  const sgd = t.optimizer as SGD;
  const names = new Map(t.model.namedParameters().map(([n, p]) => [p as object, n]));
  sgd.params.forEach((p, i) => assert.is(sgd.weightDecays[i], names.get(p)!.endsWith("bias") ? 0 : 1e-3, names.get(p)));
  assert.ok(sgd.weightDecays.includes(0) && sgd.weightDecays.includes(1e-3));
  const all = recipeTrainer(tiny(), { model: "lenet5", weightDecay: 1e-3 }).optimizer as SGD;
  assert.ok(all.weightDecays.every((d) => d === 1e-3));
});

/** Runs the CLI in-process and captures what it prints. */
async function cli(argv: string[]): Promise<{ code: number; err: string[] }> {
  const err: string[] = [];
  const error = console.error;
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  try {
    return { code: await main(argv), err };
  } finally {
    console.error = error;
  }
}

test("nnref train: --momentum-form and --weight-decay-on are checked (exit 2); --help explains both and says --weight-decay is 2λ", async () => {
  const form = await cli(["train", "mlp", "--momentum-form", "nesterov"]);
  assert.is(form.code, 2);
  assert.match(form.err[0], /^nnref train: --momentum-form: expected pytorch or lecture, got "nesterov"/);
  const on = await cli(["train", "mlp", "--weight-decay-on", "biases"]);
  assert.is(on.code, 2);
  assert.match(on.err[0], /^nnref train: --weight-decay-on: expected all or weights, got "biases"/);
  const log = console.log;
  const out: string[] = [];
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  try {
    assert.is(await main(["train", "--help"]), 0);
  } finally {
    console.log = log;
  }
  const help = out.join("\n");
  assert.match(help, /--momentum-form F +pytorch \(default\)[\s\S]*lecture \(001 "\(S\)GD \+ momentum"\): V ← μV \+ \(1 − μ\)∇ from V₀ = 0/);
  assert.match(help, /--weight-decay X +L2 weight decay: adds X·W to the gradient\. X is 2λ in the\s+lecture's notation/);
  assert.match(help, /--weight-decay-on S +all \(default, PyTorch's weight_decay\)/);
});

test.run();
