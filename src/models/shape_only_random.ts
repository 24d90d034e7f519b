/**
 * A stand-in generator for building a model only to read its structure
 * (`nnref summary`, shape and parameter checks): uniform() always returns ½
 * and normal() 0, so every initializer yields zeros (U(−b, b) at its
 * midpoint, N(0, σ²) at its mean) without drawing 138 M random numbers for
 * VGG-16. The network's shapes, parameter counts and MACs are the same as
 * with a real `Random`; its weights are useless for training.
 */
import { Random } from "../random.js";

/** Constant "random" numbers: cheap structure-only model building. */
export class ShapeOnlyRandom extends Random {
  constructor() {
    super(0);
  }

  override uniform(): number {
    return 0.5;
  }

  override normal(): number {
    return 0;
  }
}
