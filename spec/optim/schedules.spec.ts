import { test } from "uvu";
import * as assert from "uvu/assert";
import { InverseTimeLR, ReduceLROnPlateau, StepLR } from "../../src/optim/schedules.js";

const near = (a: number, b: number) => Math.abs(a - b) <= 1e-15 * Math.max(1, Math.abs(b));

test("InverseTimeLR: ε_t = c/t (001), starting at t = 1", () => {
  const opt = { lr: 123 };
  const s = new InverseTimeLR(opt, 0.6);
  const seen = [opt.lr];
  for (let i = 0; i < 3; i++) { s.step(); seen.push(opt.lr); }
  [0.6, 0.3, 0.2, 0.15].forEach((e, i) => assert.ok(near(seen[i], e), `ε_${i + 1} = ${seen[i]}, expected ${e}`));
  const saved = s.stateDict();
  const opt2 = { lr: 0 };
  const s2 = new InverseTimeLR(opt2, 0.6);
  s2.loadStateDict(saved);
  assert.ok(near(opt2.lr, 0.15));
  s2.step();
  assert.ok(near(opt2.lr, 0.12));
});

test("StepLR: ε₀·γ^⌊epoch/stepSize⌋ at non-default γ", () => {
  const opt = { lr: 0.1 };
  const s = new StepLR(opt, 2, 0.5);
  const seen: number[] = [];
  for (let i = 0; i < 5; i++) { s.step(); seen.push(opt.lr); }
  // epochs 1..5 → exponents 0, 1, 1, 2, 2
  assert.equal(seen, [0.1, 0.05, 0.05, 0.025, 0.025]);
  assert.throws(() => new StepLR(opt, 0), /StepLR: stepSize: expected an integer ≥ 1, got 0/);
});

// AlexNet (000): "learning rate 1e-2, reduced by 10 manually when val accuracy plateaus".
test("ReduceLROnPlateau (max mode, patience 2): ÷10 on the third epoch without improvement", () => {
  const opt = { lr: 1e-2 };
  const s = new ReduceLROnPlateau(opt, { mode: "max", patience: 2 });
  const accuracy = [0.50, 0.60, 0.60, 0.59, 0.60, 0.70, 0.70, 0.70, 0.70];
  const lrs: number[] = [];
  const reduced: boolean[] = [];
  for (const a of accuracy) { reduced.push(s.step(a)); lrs.push(opt.lr); }
  // bad epochs: 0,0,1,2,3→reduce(reset 0), 0(better),1,2,3→reduce
  assert.equal(reduced, [false, false, false, false, true, false, false, false, true]);
  assert.ok(near(lrs[4], 1e-3) && near(lrs[8], 1e-4), `lrs ${lrs}`);
  assert.is(s.reductions, 2);
});

test("ReduceLROnPlateau: relative threshold, cooldown and minLr (min mode)", () => {
  const opt = { lr: 1 };
  const s = new ReduceLROnPlateau(opt, { patience: 0, threshold: 0.1, cooldown: 1, minLr: 0.05, factor: 0.5 });
  // 1.0 best; 0.95 is not < 1.0·0.9 → bad → reduce to 0.5, cooldown 1
  assert.is(s.step(1.0), false);
  assert.is(s.step(0.95), true);
  assert.is(opt.lr, 0.5);
  // in cooldown: the bad epoch is forgiven
  assert.is(s.step(0.99), false);
  assert.is(opt.lr, 0.5);
  assert.is(s.step(0.99), true);
  assert.is(opt.lr, 0.25);
  s.step(0.99); // cooldown
  s.step(0.99); assert.is(opt.lr, 0.125);
  s.step(0.99);
  s.step(0.99); assert.is(opt.lr, 0.0625);
  s.step(0.99);
  s.step(0.99); assert.is(opt.lr, 0.05, "clamped at minLr");
  s.step(0.99);
  assert.is(s.step(0.99), false, "no reduction below minLr");
  assert.is(opt.lr, 0.05);
});

test("ReduceLROnPlateau state round trip and bad input", () => {
  const opt = { lr: 0.1 };
  const s = new ReduceLROnPlateau(opt, { patience: 1 });
  s.step(3); s.step(4);
  const saved = s.stateDict();
  const opt2 = { lr: 0.1 };
  const s2 = new ReduceLROnPlateau(opt2, { patience: 1 });
  s2.loadStateDict(saved);
  assert.is(s2.step(5), true, "resumed with one bad epoch already counted");
  assert.ok(near(opt2.lr, 0.01));
  assert.throws(() => s.step(NaN), /metric: expected a finite number, got NaN/);
  assert.throws(() => new ReduceLROnPlateau(opt, { factor: 1 }), /factor: expected a number in \(0, 1\)/);
});

test.run();
