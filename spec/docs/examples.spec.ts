// The runnable examples of docs/examples/ hold the claims they print: each
// test runs an example's exported function (in a quick setting where the
// full one takes long) and asserts the lecture's qualitative claim, or a
// value worked out by hand or typed from a slide.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import { F, Tensor, Variable } from "../../src/index.js";
import { rosenbrock, run as runRosenbrock } from "../../docs/examples/rosenbrock.js";
import { firstOverLast, layerGradients } from "../../docs/examples/vanishing_gradients.js";
import { committeeErrors, runCommittees, runDropoutAveraging } from "../../docs/examples/committee.js";
import { run as runFilters, SLIDE_G } from "../../docs/examples/filters.js";
import { best, excessLoss, makeProblem, runGrid } from "../../docs/examples/momentum.js";

// ───────────── rosenbrock.ts (003) ─────────────

test("rosenbrock: the function by hand, and the slide's weight counts 501, 501, 477", () => {
  assert.is(rosenbrock(1, 1), 0); // the minimum
  assert.is(rosenbrock(0, 0), 1);
  assert.is(rosenbrock(-1, 2), 100 * 1 + 4);
  const results = runRosenbrock({ samples: 50, steps: 1 });
  // 1 × 125: 2·125 + 125 + 125 + 1; 2 × 20: 2·20 + 20 + 20·20 + 20 + 20 + 1; 3 × 14: 2·14 + 14 + 2·(14·14 + 14) + 14 + 1
  assert.equal(results.map((r) => r.weights), [501, 501, 477]);
});

// The training claim (2 and 3 hidden layers fit better than 1) is the experiment's spec now:
// spec/lecture/experiments/surfaces.spec.ts "rosenbrock-surface (quick)".

// ───────────── vanishing_gradients.ts (001) ─────────────

test("vanishing gradients: σ′ ≤ 0.25 everywhere; the sigmoid net's first-layer gradient is far smaller than the ReLU net's, relative to the last layer", () => {
  const sigmoid = layerGradients("sigmoid");
  const relu = layerGradients("relu");
  assert.is(sigmoid.length, 10);
  for (const l of sigmoid) {
    assert.ok(l.maxDerivative <= 0.25, `σ′ max ${l.maxDerivative}`);
    assert.ok(l.meanDerivative > 0 && l.meanDerivative < 0.25);
  }
  for (const l of relu) assert.ok(l.meanDerivative > 0.2 && l.meanDerivative < 0.8, `active fraction ${l.meanDerivative}`);
  const s = firstOverLast(sigmoid), r = firstOverLast(relu);
  assert.ok(s < 1e-2, `sigmoid first/last ${s}`);
  assert.ok(r > 0.1, `ReLU first/last ${r}`);
  assert.ok(s < r / 100, `sigmoid ${s} vs ReLU ${r}`);
});

// ───────────── committee.ts (001) ─────────────

test("committee: E_COM and E_AV by hand for two members with known errors", () => {
  // h = 0 on two points; member errors (1, −1) and (1, 1): E_AV = 1, the mean prediction is (1, 0) → E_COM = ½;
  // cross-term (1/4)·2·E[ε₁ε₂] = ½·0 = 0, so E_COM = E_AV / 2 exactly; the errors are uncorrelated.
  const r = committeeErrors([Float64Array.from([1, -1]), Float64Array.from([1, 1])], Float64Array.from([0, 0]));
  assert.is(r.eAV, 1);
  assert.is(r.eCOM, 0.5);
  assert.is(r.crossTerm, 0);
  assert.is(r.meanCorrelation, 0);
  // identical members: nothing is gained, the correlation is 1
  const same = committeeErrors([Float64Array.from([2, 0]), Float64Array.from([2, 0])], Float64Array.from([0, 0]));
  assert.is(same.eCOM, same.eAV);
  assert.is(same.meanCorrelation, 1);
});

test("committee: E_COM ≤ E_AV; nearly uncorrelated members give E_COM ≈ E_AV / M, bagged members correlate and give more", () => {
  const { independent, bagging } = runCommittees({ steps: 800 }); // the example trains 1500 steps; the claims hold at both
  for (const r of [independent, bagging]) {
    assert.ok(r.eCOM <= r.eAV, `E_COM ${r.eCOM} vs E_AV ${r.eAV}`);
    // the expansion E_COM = E_AV/M + (1/M²)Σ_{m≠j} E[ε_m ε_j], from two separate computations
    assert.ok(Math.abs(r.eCOM - (r.eAV / r.M + r.crossTerm)) < 1e-12 * r.eAV);
  }
  assert.ok(Math.abs(independent.meanCorrelation) < 0.1, `independent: corr ${independent.meanCorrelation}`);
  assert.ok(independent.eCOM < 1.5 * (independent.eAV / independent.M), `independent: E_COM ${independent.eCOM}, E_AV/M ${independent.eAV / independent.M}`);
  assert.ok(bagging.meanCorrelation > independent.meanCorrelation + 0.05);
  assert.ok(bagging.eCOM / (bagging.eAV / bagging.M) > independent.eCOM / (independent.eAV / independent.M));
});

test("dropout (quick): the Monte-Carlo average of k nets approaches weight scaling as k grows", () => {
  const { scaled, monteCarlo } = runDropoutAveraging({ epochs: 20, testSize: 1000, ks: [1, 5, 50] });
  const [k1, , k50] = monteCarlo;
  assert.equal(monteCarlo.map((m) => m.k), [1, 5, 50]);
  assert.ok(k50.agreement > k1.agreement, `agreement k=1 ${k1.agreement}, k=50 ${k50.agreement}`);
  assert.ok(k50.agreement >= 0.98, `agreement k=50 ${k50.agreement}`);
  assert.ok(k50.nll < k1.nll, `NLL k=1 ${k1.nll}, k=50 ${k50.nll}`); // averaging probabilities: −log is convex
  assert.ok(Math.abs(k50.error - scaled.error) <= 0.02, `error k=50 ${k50.error}, scaled ${scaled.error}`);
  assert.ok(scaled.error < 0.3, "the net learned the classes (chance is 2/3)");
});

// ───────────── filters.ts (000, 001, 004) ─────────────

test("filters: the slide's 10×10 box-filter table and 004's −13, −20; hand-checked values of the synthetic image", () => {
  const r = runFilters();
  assert.equal(r.boxOnSlideF.shape, [8, 8]);
  for (let i = 0; i < 64; i++) assert.ok(Math.abs(r.boxOnSlideF.data[i] - SLIDE_G[i]) < 1e-12, `G entry ${i}`);
  assert.is(r.slide004.at(0, 0), -13);
  assert.is(r.slide004.at(0, 1), -20);
  // box at (3, 6): rows 2–4, columns 5–7 are all inside the square → 90; at (1, 0) only the dot (2, 1) is in the window → 10
  assert.ok(Math.abs(r.box.at(3, 6) - 90) < 1e-12);
  assert.ok(Math.abs(r.box.at(1, 0) - 10) < 1e-12);
  // sharpening 2·f − box: inside the square 2·90 − 90 = 90; the dot 2·90 − 10 = 170; just left of the square (3, 4): 0 − 30
  assert.ok(Math.abs(r.sharpen.at(3, 6) - 90) < 1e-12);
  assert.ok(Math.abs(r.sharpen.at(2, 1) - 170) < 1e-12);
  assert.ok(Math.abs(r.sharpen.at(3, 4) + 30) < 1e-12);
  // Sobel x at (3, 4): the window's right column (5) is 90, 90, 90 → (1 + 2 + 1)·90 = 360; flat regions 0
  assert.is(r.sobelX.at(3, 4), 360);
  assert.is(r.sobelX.at(3, 9), -360);
  assert.is(r.sobelX.at(3, 6), 0);
  assert.is(r.sobelX.at(0, 0), 0);
  // G_σ: sums to 1, symmetric, largest at the centre, ratio centre/neighbour = e^(1/2) for σ = 1
  const G = r.gaussianKernel;
  assert.ok(Math.abs([...G.data].reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.ok(Math.abs(G.at(2, 2) / G.at(2, 3) - Math.exp(0.5)) < 1e-12);
  assert.ok(Math.abs(G.at(0, 1) - G.at(3, 4)) < 1e-15);
});

// ───────────── momentum.ts (001) ─────────────

test("momentum: the exact excess loss from the normal equations equals the library's mse_loss difference", () => {
  const p = makeProblem();
  const loss = (w: ArrayLike<number>) => F.mseLoss(F.linear(new Variable(p.X), new Tensor(Float64Array.from(w), [1, p.d])), p.y).value.data[0];
  const w = Float64Array.from({ length: p.d }, (_, j) => (j % 3) - 1);
  assert.ok(Math.abs(loss(w) - loss(p.wStar) - excessLoss(p, w)) < 1e-9 * loss(w));
  // ŵ is the minimum: a small step in any coordinate raises the loss
  for (let j = 0; j < p.d; j++) {
    const v = p.wStar.slice();
    v[j] += 1e-3;
    assert.ok(loss(v) > loss(p.wStar));
  }
});

test("momentum (quick grids): with exact gradients momentum needs fewer iterations and tolerates larger ε; c/t does not converge; with noisy gradients c/t beats a constant ε", () => {
  const p = makeProblem();
  const stepSizes = [0.01, 0.02, 0.1];
  const full = runGrid(p, { batch: 1000, threshold: 1e-6, maxIterations: 1000, stepSizes });
  const bestMomentum = best(full.momentum), bestSgd = best(full.sgd);
  assert.ok(bestMomentum !== null && bestSgd !== null && bestMomentum < bestSgd, `momentum ${bestMomentum}, constant ${bestSgd}`);
  for (const i of [1, 2]) {
    assert.ok(full.sgd[i].diverged, `ε = ${stepSizes[i]}: constant ε diverges (2/λ_max ≈ 0.01)`);
    assert.ok(full.momentum[i].iterations !== null, `ε = ${stepSizes[i]}: momentum converges`);
  }
  assert.is(best(full["inverse-time"]), null);
  const noisy = runGrid(p, { batch: 10, threshold: 1e-4, maxIterations: 5000, stepSizes: [0.002, 0.005, 0.01] });
  const bestInverse = best(noisy["inverse-time"]), bestNoisySgd = best(noisy.sgd);
  assert.ok(bestInverse !== null && bestNoisySgd !== null && bestInverse < bestNoisySgd, `c/t ${bestInverse}, constant ${bestNoisySgd}`);
});

// ───────────── docs/lecture-map.md ─────────────

test("the lecture map cites only files, symbols and spec tests that exist", () => {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const read = (path: string) => readFileSync(root + path, "utf8");
  const map = read("docs/lecture-map.md");
  const problems: string[] = [];
  const isPath = (t: string) => /^(src|docs|spec|scripts)\/[\w./-]+$/.test(t);
  // Every path anywhere on the page exists.
  for (const [, t] of map.matchAll(/`([^`]+)`/g)) if (isPath(t) && !existsSync(root + t)) problems.push(`missing file ${t}`);
  // The repository stands alone: no path on the page points outside it (a lecture is cited by deck and slide title).
  for (const [, t] of map.matchAll(/`([^`\s]+)`/g)) {
    if (/^[\w.~-]*\/[\w./-]*$/.test(t) && !isPath(t)) problems.push(`a path outside the repo's src/, docs/, spec/, scripts/: ${t}`);
  }
  for (const [, link] of map.matchAll(/\]\(([^)#\s]+)/g)) {
    const target = resolve(root, "docs", link);
    if (!/^https?:/.test(link) && (!target.startsWith(root) || !existsSync(target))) problems.push(`a link to no file in the repo: ${link}`);
  }
  for (const m of map.matchAll(/\bshared\/|\bseeds\/|\bVECTORS\.md\b/g)) problems.push(`a reference outside the repo: "${m[0]}" at offset ${m.index}`);
  let symbols = 0, tests = 0;
  for (const line of map.split("\n")) {
    if (!line.startsWith("| ") || line.startsWith("| Slide")) continue;
    const cells = line.slice(2, -2).split(" | ");
    assert.is(cells.length, 4, `a table row with 4 cells: ${line.slice(0, 80)}`);
    // Code: a path, then identifiers that must occur in that file.
    let file = "";
    for (const [, t] of cells[2].matchAll(/`([^`]+)`/g)) {
      if (isPath(t)) file = t;
      else if (/^[A-Za-z_$][\w$]*$/.test(t)) {
        symbols++;
        if (!file) problems.push(`${t}: no file before it in "${cells[0]}"`);
        else if (existsSync(root + file) && !new RegExp(`\\b${t.replace(/\$/g, "\\$")}\\b`).test(read(file))) problems.push(`${t} not in ${file}`);
      }
    }
    // Checked by: a spec file, then the start (or a part) of test names on a test(…) line of that file.
    let spec = "";
    for (const [, path, name] of cells[3].matchAll(/`([^`]+)`|"([^"]+)"/g)) {
      if (path !== undefined) spec = isPath(path) ? path : spec;
      else {
        tests++;
        if (!spec) problems.push(`"${name}": no spec file before it in "${cells[0]}"`);
        else if (existsSync(root + spec) && !read(spec).split("\n").some((l) => l.includes("test(") && l.includes(name))) problems.push(`no test "${name}" in ${spec}`);
      }
    }
  }
  assert.equal(problems, []);
  assert.ok(symbols > 200 && tests > 150, `the map cites ${symbols} symbols and ${tests} tests`);
});

test("docs/README.md links only files that exist", () => {
  const docs = fileURLToPath(new URL("../../docs/", import.meta.url));
  const links = [...readFileSync(docs + "README.md", "utf8").matchAll(/\]\(([^)#]+)\)/g)].map((m) => m[1]);
  assert.ok(links.length >= 10);
  assert.equal(links.filter((l) => !existsSync(docs + l)), []);
});

test.run();
