/**
 * A generative adversarial network learns a 1-D distribution (000,
 * "Estimating data distributions: Generative Adversarial Networks"):
 * p_data = N(3, 0.5²); the generator G maps z ∼ N(0, 1) through
 * Linear(1, 16) tanh Linear(16, 1); the discriminator D is a small
 * LeakyReLU MLP returning a logit. Each iteration trains D for k₁ = 2 steps
 * and G for k₂ = 1 step on
 *
 *   min_G max_D E_{x∼p_data}[log D(x)] + E_{z∼p_z}[log(1 − D(G(z)))],
 *
 * once with the slide's generator objective ("minimax": G minimizes
 * E[log(1 − D(G(z)))]) and once with the non-saturating alternative that is
 * NOT on the slide (G minimizes −E[log D(G(z))]). Printed every 100
 * iterations: the mean and standard deviation of 2,000 generated samples,
 * D's average score on real and on generated samples, and at the end a
 * text histogram of generated vs real samples.
 *
 * Also printed first: the generator's gradient under both objectives for a
 * discriminator that confidently rejects the fakes (D(G(z)) ≈ 0.0025),
 * showing why the minimax objective saturates early in training.
 *
 * Then images: an MLP GAN with the slide's minimax objective learns the 580
 * "Trouser" images of the embedded Fashion-MNIST subset in 1,500 iterations
 * (about 15 s on the wasm backend); three samples are drawn as text.
 *
 *   node --import tsx docs/examples/gan.ts
 */
import { Adam, LeakyReLU, Linear, Random, SGD, Sequential, Sigmoid, Tanh, Tensor, generateSamples, randn, selectImages, trainGan, unitImages, FASHION_MNIST_CLASSES, type GeneratorLoss } from "../../src/index.js";
import { loadEmbeddedDataset } from "../../src/data/node_files.js";
import { stats } from "./sample_stats.js";

const started = performance.now();
const seconds = () => ((performance.now() - started) / 1000).toFixed(1);

function histogram(samples: Tensor, real: Tensor, low = 0, high = 6, bins = 24): string {
  const count = (t: Tensor) => {
    const h = new Array<number>(bins).fill(0);
    for (let i = 0; i < t.size; i++) {
      const b = Math.floor(((t.data[i] - low) / (high - low)) * bins);
      if (b >= 0 && b < bins) h[b]++;
    }
    return h;
  };
  const g = count(samples), r = count(real);
  const scale = 40 / Math.max(...g, ...r);
  return g.map((n, b) => `   ${(low + ((b + 0.5) * (high - low)) / bins).toFixed(2).padStart(5)}  real ${"█".repeat(Math.round(r[b] * scale)).padEnd(40)}  G ${"█".repeat(Math.round(n * scale))}`).join("\n");
}

// ── the saturation of the minimax objective, by one generator step ──
{
  const step = (generatorLoss: GeneratorLoss) => {
    // G(z) = −2 for every z; D(x) = σ(3x), so D(G(z)) = σ(−6) ≈ 0.0025: D rejects the fakes.
    const G = new Linear(1, 1, new Random(0), { dtype: "float64" });
    G.weight.value.data[0] = 0;
    G.bias!.value.data[0] = -2;
    const D = new Linear(1, 1, new Random(0), { dtype: "float64" });
    D.weight.value.data[0] = 3;
    D.bias!.value.data[0] = 0;
    trainGan({ generator: G, discriminator: D, real: new Tensor(new Float64Array([3]), [1, 1]), latentDim: 1, iterations: 1, batchSize: 16, rng: new Random(1), generatorLoss, generatorOptimizer: new SGD(G.parameters(), { lr: 1 }), discriminatorOptimizer: new SGD(D.parameters(), { lr: 0 }) });
    return G.bias!.value.data[0] + 2; // = −∂loss/∂(G's bias) at lr 1
  };
  console.log("A discriminator that rejects the fakes (D(G(z)) = σ(−6) ≈ 0.0025): the generator's step on its bias");
  console.log(`   minimax        E[log(1 − D(G(z)))]: ${step("minimax").toExponential(3)}   (= 3·σ(−6): almost no signal)`);
  console.log(`   non-saturating −E[log D(G(z))]:     ${step("non-saturating").toExponential(3)}   (= 3·(1 − σ(−6)))\n`);
}

const realSampler = (n: number, rng: Random) => randn([n, 1], rng, { mean: 3, std: 0.5 });
const realSample = realSampler(2000, new Random(98));
console.log(`p_data = N(3, 0.5²); k₁ = 2 discriminator steps per generator step; Adam lr 2e-3, β₁ 0.5; batch 64`);
for (const generatorLoss of ["minimax", "non-saturating"] as const) {
  const rng = new Random(1);
  const G = new Sequential(new Linear(1, 16, rng), new Tanh(), new Linear(16, 1, rng));
  const D = new Sequential(new Linear(1, 32, rng), new LeakyReLU(0.2), new Linear(32, 32, rng), new LeakyReLU(0.2), new Linear(32, 1, rng));
  const s0 = stats(generateSamples(G, 2000, 1, new Random(99)));
  console.log(`\n${generatorLoss}: before training, G's samples have mean ${s0.mean.toFixed(2)}, std ${s0.std.toFixed(2)}`);
  trainGan({
    generator: G, discriminator: D, real: realSampler, latentDim: 1, iterations: 600, batchSize: 64, k1: 2, k2: 1, rng, generatorLoss,
    generatorOptimizer: new Adam(G.parameters(), { lr: 2e-3, betas: [0.5, 0.999] }),
    discriminatorOptimizer: new Adam(D.parameters(), { lr: 2e-3, betas: [0.5, 0.999] }),
    onIteration: (r) => {
      if (r.iteration % 100 !== 0) return;
      const s = stats(generateSamples(G, 2000, 1, new Random(99)));
      console.log(`   iteration ${String(r.iteration).padStart(3)}: G's samples mean ${s.mean.toFixed(2)}, std ${s.std.toFixed(2)};  mean D(x) ${r.realScore.toFixed(2)}, mean D(G(z)) ${r.fakeScore.toFixed(2)}, V̂ ${r.value.toFixed(3)}   (${seconds()} s)`);
    },
  });
  if (generatorLoss === "minimax") console.log(histogram(generateSamples(G, 2000, 1, new Random(99)), realSample));
}
console.log(`\nAt equilibrium D(x) = ½ everywhere and V = −2 log 2 ≈ ${(-2 * Math.log(2)).toFixed(3)}.`);

// ── images: one Fashion-MNIST class ──
const data = await loadEmbeddedDataset();
const CLASS = 1;
const members = Array.from({ length: data.train.count }, (_, i) => i).filter((i) => data.train.labels[i] === CLASS);
const images = unitImages(selectImages(data.train, members)); // [580, 784] in [0, 1]
console.log(`\nImages: the ${members.length} "${FASHION_MNIST_CLASSES[CLASS]}" images of the embedded subset; the slide's minimax objective, k₁ = k₂ = 1`);
console.log("   G: z ∈ ℝ¹⁶ → Linear(16, 128) LeakyReLU → Linear(128, 784) sigmoid;  D: Linear(784, 128) LeakyReLU → Linear(128, 1)");
const imageRng = new Random(1);
const G = new Sequential(new Linear(16, 128, imageRng), new LeakyReLU(0.2), new Linear(128, 784, imageRng), new Sigmoid());
const D = new Sequential(new Linear(784, 128, imageRng), new LeakyReLU(0.2), new Linear(128, 1, imageRng));
trainGan({
  generator: G, discriminator: D, real: images, latentDim: 16, iterations: 1500, batchSize: 64, rng: imageRng, generatorLoss: "minimax",
  generatorOptimizer: new Adam(G.parameters(), { lr: 2e-3, betas: [0.5, 0.999] }),
  discriminatorOptimizer: new Adam(D.parameters(), { lr: 2e-3, betas: [0.5, 0.999] }),
  onIteration: (r) => {
    if (r.iteration % 300 === 0) console.log(`   iteration ${String(r.iteration).padStart(4)}: mean D(x) ${r.realScore.toFixed(2)}, mean D(G(z)) ${r.fakeScore.toFixed(2)}   (${seconds()} s)`);
  },
});
const shown = generateSamples(G, 3, 16, new Random(5));
const shades = " .:-=+*#%@";
console.log("   three generated images, and a real one (right):");
for (let row = 0; row < 28; row++) {
  const line = [0, 1, 2, 3].map((k) => Array.from({ length: 28 }, (_, col) => {
    const v = k < 3 ? shown.data[k * 784 + row * 28 + col] : images.data[row * 28 + col];
    return shades[Math.min(9, Math.floor(v * 10))];
  }).join(""));
  console.log(`   ${line.join("  ")}`);
}
console.log(`\n(${seconds()} s in all)`);
