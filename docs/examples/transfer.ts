/**
 * Transfer learning with frozen early layers (000, "Transfer Learning": with
 * very little data of a similar kind, "Use Linear Classifier on top layer";
 * with more, "Finetune a few layers"; 004, "Fine-tuning": "Initial layers →
 * learn general features … Fine-tuning freezes the first layers, and
 * relearns weights from the last").
 *
 * Source task: LeNet-5 learns the first five Fashion-MNIST classes
 * (T-shirt/top, Trouser, Pullover, Dress, Coat) from all their training
 * images of the embedded subset. Target task: the other five (Sandal, Shirt,
 * Sneaker, Bag, Ankle boot) from only 20 labelled images per class. Three
 * ways, each trained on the same 100 images for the same number of epochs:
 *
 *   (a) linear classifier on top: a new head (replaceHead), every other
 *       layer frozen;
 *   (b) fine-tune a few layers: the convolutions frozen, the three fully
 *       connected layers trained (the last one new);
 *   (c) from scratch: LeNet-5 from random weights, everything trained.
 *
 * Printed, over 5 draws of the 100 target images: test accuracy on the
 * target classes, trainable parameters, the time of the target training, and
 * a check that no frozen weight changed (bit for bit). Frozen layers at the
 * start of the network record no graph node (src/nn/freeze.ts), so (a) and
 * (b) also skip the convolutions' backward pass.
 *
 * What it printed when written (~10 s): source accuracy 85.2 %; target
 * accuracy (a) 66.2 %, (b) 87.0 %, (c) 85.2 % on average; no frozen tensor
 * changed. The source classes are clothes, the target ones mostly shoes
 * and bags — 000's "very different dataset" column more than "very similar":
 * the last layer's features alone do poorly there, while fine-tuning the
 * fully connected layers on top of the frozen convolutions beats training
 * from scratch, in about half its time.
 *
 *   node --import tsx docs/examples/transfer.ts
 */
import {
  Random, Tensor, classifierAccuracy, fitClassifier, freeze, getBackend, lenet5, replaceHead, selectImages, stratifiedIndices, trainableParameters, unfreeze, unitImages,
  FASHION_MNIST_CLASSES, type ImageDataset, type Module,
} from "../../src/index.js";
import { loadEmbeddedDataset } from "../../src/data/node_files.js";

const started = performance.now();
const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
const data = await loadEmbeddedDataset();

/** Images [N, 1, 28, 28] in [0, 1] and labels − offset, of the images whose class is in [offset, offset + 5). */
function task(d: ImageDataset, offset: number, indices?: ArrayLike<number>): { x: Tensor; y: Tensor } {
  const chosen = indices ? Array.from(indices) : Array.from({ length: d.count }, (_, i) => i).filter((i) => d.labels[i] >= offset && d.labels[i] < offset + 5);
  const subset = selectImages(d, chosen);
  return { x: unitImages(subset, { flatten: false }), y: new Tensor(Int32Array.from(subset.labels, (l) => l - offset), [subset.count]) };
}

const source = task(data.train, 0);
const sourceTest = task(data.test, 0);
const targetTest = task(data.test, 5);
console.log(`backend ${getBackend()}`);
console.log(`source task: ${FASHION_MNIST_CLASSES.slice(0, 5).join(", ")} — ${source.x.shape[0]} training images`);
console.log(`target task: ${FASHION_MNIST_CLASSES.slice(5).join(", ")} — 20 training images per class (a different draw for each of 5 seeds), ${targetTest.x.shape[0]} test images\n`);

const rng = new Random(1);
const pretrained = lenet5(rng, { numClasses: 5 });
fitClassifier(pretrained, source.x, source.y, { epochs: 6, batchSize: 32, rng, lr: 2e-3 });
console.log(`LeNet-5 trained on the source task (6 epochs): source test accuracy ${(100 * classifierAccuracy(pretrained, sourceTest.x, sourceTest.y)).toFixed(1)} %   (${seconds()} s)\n`);
const pretrainedState = new Map([...pretrained.stateDict()].map(([k, t]) => [k, t.data.slice()]));

/** Trains `model` on `target`; returns accuracy, trainable parameters, seconds, and the names of frozen tensors that changed. */
function trainTarget(model: Module, target: { x: Tensor; y: Tensor }, seed: number): { accuracy: number; trainable: number; seconds: number; changedFrozen: string[] } {
  const frozenNames = model.namedParameters().filter(([, p]) => !p.requiresGrad).map(([n]) => n);
  const t0 = performance.now();
  fitClassifier(model, target.x, target.y, { epochs: 30, batchSize: 20, rng: new Random(seed), lr: 2e-3 });
  const time = (performance.now() - t0) / 1000;
  const state = model.stateDict();
  const changedFrozen = frozenNames.filter((n) => !state.get(n)!.data.every((v, i) => Object.is(v, pretrainedState.get(n)![i])));
  return { accuracy: classifierAccuracy(model, targetTest.x, targetTest.y), trainable: trainableParameters(model).reduce((sum, p) => sum + p.value.size, 0), seconds: time, changedFrozen };
}

type Result = ReturnType<typeof trainTarget>;
const results: Record<"a" | "b" | "c", Result[]> = { a: [], b: [], c: [] };
for (let seed = 1; seed <= 5; seed++) {
  const indices = stratifiedIndices(data.train, 20, new Random(100 + seed)).filter((i) => data.train.labels[i] >= 5);
  const target = task(data.train, 5, indices);
  // The pretrained weights, fresh for every seed ((b) trains the shared fully connected layers).
  const base = lenet5(new Random(0), { numClasses: 5 });
  base.loadStateDict(new Map([...pretrainedState].map(([k, d]) => [k, new Tensor(d.slice(), pretrained.stateDict().get(k)!.shape)])));

  // (a) a new linear classifier on top; everything else frozen
  const a = replaceHead(base, 5, new Random(seed));
  freeze(a.model);
  unfreeze(a.head);
  results.a.push(trainTarget(a.model, target, seed));

  // (b) a new head, and the fully connected layers fine-tuned; conv1 and conv2 frozen
  // (replaceHead shares every other layer with `base`, which (a) left unchanged: checked by changedFrozen)
  const b = replaceHead(base, 5, new Random(seed));
  unfreeze(b.model);
  for (const i of [0, 3]) freeze(b.model.at(i));
  results.b.push(trainTarget(b.model, target, seed));

  // (c) from scratch
  results.c.push(trainTarget(lenet5(new Random(seed), { numClasses: 5 }), target, seed));
}

const line = (name: string, rs: Result[]) => {
  const acc = rs.map((r) => 100 * r.accuracy);
  const mean = acc.reduce((x, y) => x + y, 0) / acc.length;
  const changed = [...new Set(rs.flatMap((r) => r.changedFrozen))];
  console.log(`${name.padEnd(44)} ${mean.toFixed(1).padStart(5)} %  (${acc.map((v) => v.toFixed(1)).join(", ")})   ${String(rs[0].trainable).padStart(6)} trainable   ${(rs.reduce((x, r) => x + r.seconds, 0) / rs.length).toFixed(2)} s   frozen tensors changed: ${changed.length === 0 ? "none" : changed.join(", ")}`);
};
console.log("target task, 30 epochs on 100 images; test accuracy, mean over 5 seeds (each seed):");
line("(a) linear classifier on top (rest frozen)", results.a);
line("(b) fine-tune the FC layers (convs frozen)", results.b);
line("(c) from scratch", results.c);
console.log(`\n(${seconds()} s in all)`);
