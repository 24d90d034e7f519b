/**
 * The graph (src/autograd/): variables, applying ops by name with recording,
 * and the functional API `F` (one line per op, PyTorch's names).
 */
export * from "./variable.js";
export * from "./apply.js";
export * as F from "./functional.js";
