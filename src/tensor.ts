/**
 * The one data type of nnref: a dense, contiguous, row-major (C-order) array
 * with a shape. Float tensors hold values (float32 or float64); int32 tensors
 * hold class indices (the vectors format's "int64").
 *
 * No hidden state: a Tensor is its `data`, its `shape` and its `dtype`.
 * Gradients, graph nodes and parameters live elsewhere (src/autograd, src/nn).
 * A float32 tensor's data may instead live in the wasm kernels' memory
 * ("resident", src/backend/resident.ts); how long it lives is
 * src/tensor_lifetime.ts (`dispose`, `tidy`, a FinalizationRegistry net).
 */
import type { Random } from "./random.js";
import { adoptResident, forgetResident } from "./tensor_lifetime.js";

/** Element type of a tensor. */
export type DType = "float32" | "float64" | "int32";
/** Element types that carry real values (everything an op differentiates). */
export type FloatDType = "float32" | "float64";
/** The typed arrays behind float tensors. */
export type FloatArray = Float32Array | Float64Array;
/** Every typed array a tensor may hold. */
export type DataArray = Float32Array | Float64Array | Int32Array;
/** A shape: one non-negative integer per dimension; `[]` is a scalar. */
export type Shape = readonly number[];
/** A number, or arrays of arrays of numbers, as written in code or JSON. */
export type NestedArray = number | NestedArray[];

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** `[2, 3, 4]` — how shapes are printed in every error message. */
export function shapeString(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/** The dtype of a typed array. */
export function dtypeOf(data: DataArray): DType {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Int32Array) return "int32";
  throw new TypeError(`Tensor: expected Float32Array, Float64Array or Int32Array data, got ${Object.prototype.toString.call(data)}`);
}

/** A new zero-filled typed array of `n` elements of `dtype`. */
export function allocate(dtype: "float32", n: number): Float32Array;
export function allocate(dtype: "float64", n: number): Float64Array;
export function allocate(dtype: "int32", n: number): Int32Array;
export function allocate(dtype: FloatDType, n: number): FloatArray;
export function allocate(dtype: DType, n: number): DataArray;
export function allocate(dtype: DType, n: number): DataArray {
  switch (dtype) {
    case "float32": return new Float32Array(n);
    case "float64": return new Float64Array(n);
    case "int32": return new Int32Array(n);
    default: throw new TypeError(`allocate: expected dtype "float32", "float64" or "int32", got ${JSON.stringify(dtype)}`);
  }
}

function checkShape(shape: Shape, where: string): void {
  if (!Array.isArray(shape)) throw new TypeError(`${where}: expected shape to be an array of integers, got ${JSON.stringify(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`${where}: expected shape of non-negative integers, got ${JSON.stringify(shape)}`);
    }
  }
}

/**
 * Float32 values kept outside the JS heap, in the wasm kernels' memory
 * (src/backend/resident.ts implements it over src/backend/kernel_memory.ts).
 * Several tensors may share one block (reshape is a view); it is freed when
 * the last of them is disposed (or collected: src/tensor_lifetime.ts).
 */
export interface ResidentStorage {
  /** Number of float32 values. */
  readonly length: number;
  /** The values as a Float32Array over the kernels' memory, rebuilt after the memory grew (an older view is detached). */
  view(): Float32Array;
  /** One more tensor uses the block. */
  retain(): void;
  /** One tensor less uses it; the last release frees the block. */
  release(): void;
}

/** Reading the data of a tensor after `dispose()` (or after the `tidy` scope that created it ended). */
export class TensorDisposedError extends Error {
  constructor(tensor: string, how: string) {
    super(`${tensor} was disposed (${how}) and its values freed: read tensors before disposing them, return them from tidy() to keep them, or keep(t)`);
    this.name = "TensorDisposedError";
  }
}

/** The wasm kernels' memories that hold resident tensors (registered by src/backend/resident.ts): typed arrays over them are never wrapped as plain tensors. */
const kernelMemories: WebAssembly.Memory[] = [];

/** Registers a memory whose views `new Tensor` copies instead of wrapping (the backend calls it for each kernels' memory). */
export function registerKernelMemory(memory: WebAssembly.Memory): void {
  if (!kernelMemories.includes(memory)) kernelMemories.push(memory);
}

function viewsKernelMemory(data: DataArray): boolean {
  for (const memory of kernelMemories) if (data.buffer === memory.buffer) return true;
  return false;
}

function isTypedData(data: unknown): data is DataArray {
  return data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array;
}

/**
 * A dense row-major array with a shape. Construct with the helpers below.
 *
 * Its values are a plain typed array, or (float32 on the wasm backend only) a
 * block of the kernels' memory (`resident`, see src/backend/resident.ts).
 * Either way `data` is a Float32Array / Float64Array / Int32Array that the
 * reference ops read and write: for a resident tensor, a view of the block,
 * so writes reach it. Hold the tensor, not its `data`, across a kernel call:
 * a grow of the memory detaches older views (`data` then gives a new one).
 */
export class Tensor {
  /** One entry per dimension; `[]` for a scalar. */
  readonly shape: Shape;
  /** "float32", "float64" or "int32". */
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** The values of a plain tensor (null when resident or disposed). */
  private plain: DataArray | null;
  /** The block of a resident tensor (null when plain or disposed). */
  private block: ResidentStorage | null;
  /** How it was disposed, for the error; null while alive. */
  private disposedHow: string | null = null;
  /**
   * How many times the library has written this tensor's values in place
   * (`markModified`: an optimizer step, `loadStateDict`). A cache of
   * something computed from the values — a fused convolution's packed
   * weights — remembers the version it saw and recomputes when it moved.
   * Writes a program makes itself through `data` are not counted (call
   * `markModified()` after them), as PyTorch's `.data` bypasses its own
   * version counter.
   */
  private writes = 0;

  /**
   * Wraps `data` (not copied) with `shape`; throws if their sizes disagree.
   * (Only a typed array over the wasm kernels' memory — a resident tensor's
   * `data` — is copied: use `reshape` for a view of a resident tensor.)
   * A ResidentStorage (float32 in the kernels' memory) is for the backend:
   * src/backend/resident.ts makes such tensors.
   */
  constructor(data: DataArray | ResidentStorage, shape: Shape) {
    checkShape(shape, "Tensor");
    if (isTypedData(data)) {
      this.dtype = dtypeOf(data);
      // A view of the kernels' memory is copied: a plain tensor must not alias memory that a grow detaches or a free reuses.
      this.plain = kernelMemories.length !== 0 && viewsKernelMemory(data) ? data.slice() : data;
      this.block = null;
    } else if (data !== null && typeof data === "object" && typeof (data as ResidentStorage).view === "function") {
      this.dtype = "float32";
      this.plain = null;
      this.block = data as ResidentStorage;
    } else {
      throw new TypeError(`Tensor: expected Float32Array, Float64Array or Int32Array data, got ${Object.prototype.toString.call(data)}`);
    }
    this.size = data.length;
    if (sizeOf(shape) !== data.length) {
      throw new RangeError(`Tensor: shape ${shapeString(shape)} needs ${sizeOf(shape)} elements, got data of length ${data.length}`);
    }
    this.shape = Object.freeze([...shape]);
    if (this.block !== null) {
      this.block.retain();
      adoptResident(this, this.block);
    }
  }

  /**
   * The elements in row-major order; `data.length === size`. For a resident
   * tensor, a view of its block in the kernels' memory (valid until the
   * memory next grows: read `data` again rather than keeping it). Throws a
   * TensorDisposedError after `dispose()`.
   */
  get data(): DataArray {
    const plain = this.plain;
    if (plain !== null) return plain;
    if (this.block !== null) return this.block.view();
    throw new TensorDisposedError(this.toString(), this.disposedHow ?? "disposed");
  }

  /** Number of dimensions. */
  get rank(): number { return this.shape.length; }

  /** The count of in-place writes through the library (see `markModified`); 0 for a tensor never written in place. */
  get version(): number { return this.writes; }

  /** Records an in-place write of the values (optimizers and `loadStateDict` call it; so should a program that writes `data` of a tensor something caches). */
  markModified(): void { this.writes++; }

  /** Whether the values live in the wasm kernels' memory (src/backend/resident.ts) rather than a JS typed array. */
  get resident(): boolean { return this.block !== null; }

  /** The block of a resident tensor, null for a plain (or disposed) one: for the backend. */
  get storage(): ResidentStorage | null { return this.block; }

  /** Whether `dispose()` (or the end of its tidy scope) has released this tensor. */
  get disposed(): boolean { return this.disposedHow !== null; }

  /**
   * Releases the values: a resident tensor's block goes back to the kernels'
   * memory once no other tensor shares it (a reshape does); a plain one's
   * array is left to the garbage collector. Reading `data` afterwards throws
   * TensorDisposedError. Disposing twice does nothing. `how` says who
   * disposed it, for that error (default "dispose()").
   */
  dispose(how = "by dispose()"): void {
    if (this.disposedHow !== null) return;
    this.disposedHow = how;
    this.plain = null;
    const block = this.block;
    this.block = null;
    if (block !== null) {
      forgetResident(this);
      block.release();
    }
  }

  /** The same data under another shape of equal size (a view: no copy). One entry may be -1. */
  reshape(shape: Shape): Tensor {
    const s = [...shape];
    const unknown = s.indexOf(-1);
    if (unknown >= 0) {
      const known = sizeOf(s.filter((_, i) => i !== unknown));
      if (known === 0 || this.size % known !== 0) throw new RangeError(`reshape: cannot infer -1 in ${shapeString(shape)} for ${this.size} elements`);
      s[unknown] = this.size / known;
    }
    if (sizeOf(s) !== this.size) throw new RangeError(`reshape: expected a shape of ${this.size} elements for ${shapeString(this.shape)}, got ${shapeString(shape)}`);
    // A resident tensor's view shares its block (freed when both are disposed).
    return new Tensor(this.block ?? this.data, s);
  }

  /** A deep copy (a plain tensor, also of a resident one). */
  clone(): Tensor {
    return new Tensor(this.data.slice() as DataArray, this.shape);
  }

  /** A copy converted to `dtype` (float64 → float32 rounds to nearest). */
  astype(dtype: DType): Tensor {
    const out = allocate(dtype, this.size);
    if (dtype === "int32") {
      for (let i = 0; i < out.length; i++) out[i] = Math.trunc(this.data[i]);
    } else {
      out.set(this.data);
    }
    return new Tensor(out, this.shape);
  }

  /** Element at a multi-index (bounds-checked; for tests and teaching, not hot loops). */
  at(...index: number[]): number {
    if (index.length !== this.rank) throw new RangeError(`at: expected ${this.rank} indices for shape ${shapeString(this.shape)}, got ${index.length}`);
    let flat = 0;
    for (let d = 0; d < this.rank; d++) {
      const i = index[d];
      if (!Number.isInteger(i) || i < 0 || i >= this.shape[d]) throw new RangeError(`at: index ${JSON.stringify(index)} out of range for shape ${shapeString(this.shape)}`);
      flat = flat * this.shape[d] + i;
    }
    return this.data[flat];
  }

  /** Nested plain arrays (a number for a scalar). */
  toArray(): NestedArray {
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.rank) return this.data[offset];
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /** `Tensor(float32 [2, 3])` — for messages and the REPL. */
  toString(): string {
    return `Tensor(${this.dtype} ${shapeString(this.shape)})`;
  }
}

/**
 * How the creation functions take a dtype: as a string (`zeros([2], "int32")`)
 * or as an options object, like `randn` (`tensor(x, { dtype: "float64" })`).
 */
export type DTypeArg = DType | { dtype?: DType };

const DTYPES: readonly DType[] = ["float32", "float64", "int32"];

/** The dtype a `DTypeArg` names (default float32); a clear TypeError for anything else. */
function dtypeFrom(fn: string, arg: DTypeArg | undefined): DType {
  const dtype = typeof arg === "object" && arg !== null ? arg.dtype ?? "float32" : arg ?? "float32";
  if (!DTYPES.includes(dtype)) {
    const got = typeof arg === "object" && arg !== null ? `{ dtype: ${JSON.stringify(dtype)} }` : typeof arg === "string" ? JSON.stringify(arg) : String(arg);
    throw new TypeError(`${fn}: dtype: expected "float32", "float64" or "int32" (or { dtype }), got ${got}`);
  }
  return dtype;
}

/** A tensor of zeros; `dtype` as a string or `{ dtype }` (default float32). */
export function zeros(shape: Shape, dtype?: DTypeArg): Tensor {
  checkShape(shape, "zeros");
  return new Tensor(allocate(dtypeFrom("zeros", dtype), sizeOf(shape)), shape);
}

/** A tensor of ones; `dtype` as a string or `{ dtype }` (default float32). */
export function ones(shape: Shape, dtype?: DTypeArg): Tensor {
  return full(shape, 1, dtypeFrom("ones", dtype));
}

/** A tensor filled with `value`; `dtype` as a string or `{ dtype }` (default float32). */
export function full(shape: Shape, value: number, dtype?: DTypeArg): Tensor {
  const t = zeros(shape, dtypeFrom("full", dtype));
  t.data.fill(value);
  return t;
}

/** Zeros with the shape and dtype of `t`. */
export function zerosLike(t: Tensor): Tensor {
  return zeros(t.shape, t.dtype);
}

/** A tensor from flat values and a shape (values are copied); `dtype` as a string or `{ dtype }` (default float32). */
export function fromArray(values: ArrayLike<number>, shape: Shape, dtype?: DTypeArg): Tensor {
  checkShape(shape, "fromArray");
  const type = dtypeFrom("fromArray", dtype);
  if (values.length !== sizeOf(shape)) throw new RangeError(`fromArray: shape ${shapeString(shape)} needs ${sizeOf(shape)} values, got ${values.length}`);
  const data = allocate(type, values.length);
  for (let i = 0; i < values.length; i++) data[i] = values[i];
  return new Tensor(data, shape);
}

/**
 * A tensor from nested arrays, e.g. `tensor([[1, 2], [3, 4]])` → shape [2, 2].
 * `dtype` as a string or an options object, like `randn`:
 * `tensor(x, "int32")` and `tensor(x, { dtype: "int32" })` are the same
 * (default float32). Ragged input is an error.
 */
export function tensor(values: NestedArray, dtype?: DTypeArg): Tensor {
  const type = dtypeFrom("tensor", dtype);
  const shape: number[] = [];
  let probe: NestedArray = values;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe.length > 0 ? probe[0] : 0;
    if (shape[shape.length - 1] === 0) break;
  }
  const flat: number[] = [];
  const walk = (v: NestedArray, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof v !== "number") throw new TypeError(`tensor: expected a number at ${path || "top"}, got ${JSON.stringify(v)}`);
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new RangeError(`tensor: ragged nested array at ${path || "top"}: expected ${shape[dim]} entries, got ${Array.isArray(v) ? v.length : JSON.stringify(v)}`);
    }
    v.forEach((x, i) => walk(x, dim + 1, `${path}[${i}]`));
  };
  walk(values, 0, "");
  return fromArray(flat, shape, type);
}

/** Samples of N(mean, std²) from `rng`. */
export function randn(shape: Shape, rng: Random, options: { mean?: number; std?: number; dtype?: FloatDType } = {}): Tensor {
  const { mean = 0, std = 1, dtype = "float32" } = options;
  const t = zeros(shape, dtype);
  for (let i = 0; i < t.size; i++) t.data[i] = mean + std * rng.normal();
  return t;
}

/** Samples of U[low, high) from `rng`. */
export function randu(shape: Shape, rng: Random, options: { low?: number; high?: number; dtype?: FloatDType } = {}): Tensor {
  const { low = 0, high = 1, dtype = "float32" } = options;
  const t = zeros(shape, dtype);
  for (let i = 0; i < t.size; i++) t.data[i] = low + (high - low) * rng.uniform();
  return t;
}
