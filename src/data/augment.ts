/**
 * Data augmentation on 8-bit images [channels, height, width], seeded — the
 * "heavy data augmentation" of AlexNet's training recipe (000, "Case Study:
 * AlexNet"), in the two forms torchvision names RandomHorizontalFlip and
 * RandomCrop(padding): both keep the image size.
 *
 * Augmentation runs on the raw pixels, before standardization, so the zero
 * padding of a crop is a black pixel (as torchvision pads a PIL image before
 * ToTensor and Normalize).
 */
import type { Random } from "../random.js";

/** Which augmentations to apply to each training image. */
export interface Augmentation {
  /** Mirror left–right with probability 1/2. */
  readonly flip?: boolean;
  /** Pad every side with this many zero pixels, then crop a random window of the original size (0 = off). */
  readonly cropPadding?: number;
}

/** dst := src mirrored left–right (dst[c, y, x] = src[c, y, W−1−x]). src and dst must differ. */
export function flipHorizontal(src: Uint8Array, dst: Uint8Array, channels: number, height: number, width: number): void {
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      const row = (c * height + y) * width;
      for (let x = 0; x < width; x++) dst[row + x] = src[row + width - 1 - x];
    }
  }
}

/**
 * dst := the height×width window at offset (dy, dx) of src padded with
 * `padding` zeros on every side: dst[c, y, x] = src[c, y + dy − p, x + dx − p],
 * or 0 outside src. dy, dx ∈ [0, 2p]. src and dst must differ.
 */
export function cropPadded(src: Uint8Array, dst: Uint8Array, channels: number, height: number, width: number, padding: number, dy: number, dx: number): void {
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      const sy = y + dy - padding;
      const out = (c * height + y) * width;
      if (sy < 0 || sy >= height) {
        dst.fill(0, out, out + width);
        continue;
      }
      const row = (c * height + sy) * width;
      for (let x = 0; x < width; x++) {
        const sx = x + dx - padding;
        dst[out + x] = sx >= 0 && sx < width ? src[row + sx] : 0;
      }
    }
  }
}

/**
 * Applies `augmentation` to one image: a crop (offsets drawn as rng.int(2p+1)
 * for y, then x) and then a flip (rng.uniform() < 1/2), in that order of
 * draws. Returns the augmented pixels in `out` (`scratch` is work space of
 * the same size).
 */
export function augmentImage(
  image: Uint8Array, out: Uint8Array, scratch: Uint8Array,
  channels: number, height: number, width: number,
  augmentation: Augmentation, rng: Random,
): void {
  const padding = augmentation.cropPadding ?? 0;
  if (!Number.isInteger(padding) || padding < 0) throw new RangeError(`augmentImage: expected cropPadding to be an integer ≥ 0, got ${padding}`);
  let current = image;
  if (padding > 0) {
    const dy = rng.int(2 * padding + 1);
    const dx = rng.int(2 * padding + 1);
    cropPadded(current, scratch, channels, height, width, padding, dy, dx);
    current = scratch;
  }
  if (augmentation.flip && rng.uniform() < 0.5) {
    flipHorizontal(current, out, channels, height, width);
  } else {
    out.set(current.subarray(0, out.length));
  }
}
