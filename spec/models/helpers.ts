/**
 * Helpers of the model specs (not a spec itself): the wasm backend when it
 * loads, fast deterministic weights for full-size forward passes, and
 * recording what the leaves of a model actually output.
 */
import { Tensor } from "../../src/tensor.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { getBackend, setBackend, type BackendName } from "../../src/backend/dispatch.js";
import type { Module } from "../../src/nn/module.js";
import type { Variable } from "../../src/autograd/variable.js";

/** Runs `fn` on the wasm backend when the kernels load (else on the reference), restoring the previous backend. */
export function withFastestBackend<T>(fn: (backend: BackendName) => T): T {
  const previous = getBackend();
  const backend: BackendName = loadKernelsSync() ? "wasm" : "js";
  setBackend(backend);
  try {
    return fn(backend);
  } finally {
    setBackend(previous);
  }
}

/**
 * Overwrites every weight of rank ≥ 2 with values uniform in ±√(3/fan_in)
 * (variance 1/fan_in) from a cheap integer hash seeded by `seed`, and every
 * bias with zeros; batch norm's γ, β and running statistics stay (1, 0, 0, 1).
 * A millionth of the cost of drawing 138 M numbers from `Random`, which is all
 * a forward-pass test needs.
 */
export function fillWeights(model: Module, seed: number): void {
  let state = seed | 0 || 1;
  for (const [name, p] of model.namedParameters()) {
    const t = p.value;
    if (t.rank < 2) {
      if (name.endsWith("bias")) t.data.fill(0);
      continue;
    }
    const bound = Math.sqrt(3 / (t.size / t.shape[0]));
    const scale = bound / 2147483648;
    const data = t.data;
    for (let i = 0; i < data.length; i++) {
      // xorshift32 on int32: state in [−2³¹, 2³¹) maps to [−bound, bound).
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      data[i] = state * scale;
    }
  }
}

/**
 * Records [name, output shape] of every leaf module's forward, in the order
 * they run, while `fn` runs (instance methods are wrapped and restored).
 */
export function recordLeafOutputs<T>(model: Module, fn: () => T): { result: T; outputs: Array<[string, number[]]> } {
  const outputs: Array<[string, number[]]> = [];
  const restore: Array<() => void> = [];
  for (const [name, m] of model.namedModules()) {
    if (m.namedChildren().length > 0) continue;
    const original = m.forward;
    m.forward = (x: Variable): Variable => {
      const y = original.call(m, x);
      outputs.push([name, [...y.shape]]);
      return y;
    };
    restore.push(() => {
      delete (m as { forward?: unknown }).forward;
    });
  }
  try {
    return { result: fn(), outputs };
  } finally {
    for (const r of restore) r();
  }
}

/** True when every element is finite. */
export function allFinite(t: Tensor): boolean {
  for (let i = 0; i < t.size; i++) if (!Number.isFinite(t.data[i])) return false;
  return true;
}
