/**
 * Convolution weights packed once, for inference. Every conv2d forward packs
 * its weights w [Cout, Cin/groups, kh, kw] into the MR-row panels its GEMM
 * reads (assembly/conv_forward.ts, `conv2dPackWeights`) before it multiplies;
 * for the late layers of a ResNet (512 × 4608 weights, 49 output pixels) that
 * copy of 9.4 MB is a sizeable part of the call. A frozen convolution — one
 * whose weights do not change between calls, as src/nn/fused_conv.ts's
 * FusedConv2d in inference — packs them once into a block of the kernels'
 * memory (`packConvWeights`); the conv2d_fused kernel op then finds that
 * block for the weight tensor (`packedConvWeightsOf`) and calls the kernel
 * export `conv2dForwardPacked`, which is the same forward with the packing
 * step skipped: the same bits.
 *
 * Memory: the packed block holds ceil(Cout/groups / MR)·MR rows of K floats
 * per group (MR = 4): the weights' size, rounded up to 4 filters per group —
 * about as much again as the weights themselves (ResNet-18: 44.7 MB of conv
 * weights, VGG-16: 58.9 MB). It lives until `free()` (FusedConv2d frees it
 * when its weight tensor is replaced, or on `releasePackedWeights()`), or
 * until the PackedConvWeights object is collected (a FinalizationRegistry
 * frees the block then).
 *
 * The packed copy is taken of the weight's values at one `version` (the
 * count of in-place writes through the library, src/tensor.ts): once an
 * optimizer step or loadStateDict has written the weight, the panels are
 * stale and `packedConvWeightsOf` no longer offers them, so the op packs per
 * call (the current values) and FusedConv2d packs again on its next forward.
 * A program writing `weight.data` itself calls `weight.markModified()`.
 */
import type { Tensor } from "../../tensor.js";
import type { ConvGeometry } from "../../ops/conv_geometry.js";
import { KernelBlock } from "../resident.js";
import { loadedKernels, requireKernels } from "../wasm.js";
import { GEOMETRY_BYTES, writeGeometry } from "./conv2d.js";
import { inputBytes, placeInput } from "./arena.js";

/** Frees the block of a PackedConvWeights that was collected without `free()`. */
const collected = new FinalizationRegistry<KernelBlock>((block) => block.release());

/** The packed form of the tensors it was made from, by tensor. */
const packs = new WeakMap<Tensor, PackedConvWeights>();

/** A weight tensor's MR panels in a block of the kernels' memory (see the file comment). */
export class PackedConvWeights {
  /** The weight tensor [Cout, Cin/groups, kh, kw] it was packed from. */
  readonly source: Tensor;
  /** The convolution's groups (the panel layout depends on them). */
  readonly groups: number;
  /** `source.version` when it was packed: the panels hold those values. */
  readonly version: number;
  private block: KernelBlock | null;

  constructor(source: Tensor, groups: number, block: KernelBlock) {
    this.source = source;
    this.groups = groups;
    this.version = source.version;
    this.block = block;
    collected.register(this, block, this);
  }

  /** Byte offset of the panels in the kernels' current memory, or -1 (freed, stale: the weight was written since, or the kernels moved to another memory: ./threads.ts). */
  pointer(): number {
    const kernels = loadedKernels();
    const current = this.block !== null && kernels !== null && this.block.heap === kernels.arena.heap && this.version === this.source.version;
    return current ? this.block!.ptr : -1;
  }

  /** Bytes the panels take. */
  bytes(): number {
    return this.block === null ? 0 : this.block.length * 4;
  }

  /** Frees the block (idempotent); the tensor has no packed form afterwards. */
  free(): void {
    if (this.block === null) return;
    collected.unregister(this);
    this.block.release();
    this.block = null;
    if (packs.get(this.source) === this) packs.delete(this.source);
  }
}

/** A geometry record with just what the packing reads: Cout, Cin/groups, kh, kw and groups of `weight`. */
function packingGeometry(weight: Tensor, groups: number): ConvGeometry {
  const [Cout, CinG, kh, kw] = weight.shape;
  return {
    N: 1, Cin: CinG * groups, H: kh, W: kw, Cout, kh, kw, Hout: 1, Wout: 1,
    strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 0, padLeft: 0, groups,
  } as ConvGeometry;
}

/**
 * Packs the float32 conv weight [Cout, Cin/groups, kh, kw] of a convolution
 * with `groups` groups into the kernels' memory once (the kernels must be
 * loaded) and registers it, so the conv2d_fused kernel op reads the panels
 * instead of packing `weight` on every call. Throws a TypeError for another
 * dtype or rank, a RangeError when Cout is not a multiple of `groups`;
 * ArenaTooSmallError when the memory cannot hold the block.
 */
export function packConvWeights(weight: Tensor, groups: number): PackedConvWeights {
  if (weight.dtype !== "float32" || weight.rank !== 4) throw new TypeError(`packConvWeights: expected a float32 weight [Cout, Cin/groups, kh, kw], got ${weight.dtype} of rank ${weight.rank}`);
  if (!Number.isInteger(groups) || groups < 1 || weight.shape[0] % groups !== 0) throw new RangeError(`packConvWeights: expected groups dividing Cout = ${weight.shape[0]}, got ${groups}`);
  const { exports, arena } = requireKernels();
  const geom = packingGeometry(weight, groups);
  const [probe] = arena.layout([GEOMETRY_BYTES]);
  writeGeometry(arena.i32, probe, geom);
  const bytes = exports.conv2dPackedWeightsBytes(probe);
  const block = new KernelBlock(arena.heap, bytes / 4);
  block.retain();
  try {
    // Order of ./arena.ts: the block, then the layout, then the weight's data (a grow detaches earlier views).
    const [pg, pw] = arena.layout([GEOMETRY_BYTES, inputBytes(weight)]);
    writeGeometry(arena.i32, pg, geom);
    exports.conv2dPackWeights(pg, placeInput(weight, pw), block.ptr);
  } catch (e) {
    block.release();
    throw e;
  }
  const packed = new PackedConvWeights(weight, groups, block);
  packs.get(weight)?.free();
  packs.set(weight, packed);
  return packed;
}

/** The byte offset of `weight`'s packed panels for `groups` in the kernels' current memory, or -1 when it has none there. */
export function packedConvWeightsOf(weight: Tensor, groups: number): number {
  const packed = packs.get(weight);
  return packed !== undefined && packed.groups === groups ? packed.pointer() : -1;
}
