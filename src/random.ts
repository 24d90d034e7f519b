/**
 * Seeded randomness. Every random draw in nnref comes from a `Random` object
 * that the caller owns: no `Math.random`, no global generator.
 *
 * The generator is xoshiro128** (Blackman & Vigna) seeded through SplitMix32,
 * using only 32-bit integer arithmetic, so the same seed gives the same bits on
 * every JavaScript engine. Normal samples use Marsaglia's polar method with a
 * logarithm computed here from + − × ÷ only (IEEE-754 rounds those exactly the
 * same everywhere; `Math.log` is not required to), so normals are bit-identical
 * across engines too.
 */

/** The generator's state: four 32-bit words (never all zero). */
export type RandomState = [number, number, number, number];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const LN2 = 0.6931471805599453;
const SQRT_HALF = 0.7071067811865476;
const scratch = new DataView(new ArrayBuffer(8));

/**
 * Natural logarithm of a positive finite x from exactly rounded arithmetic:
 * x = m·2^e with m in [√½, √2), ln m = 2·atanh(s), s = (m−1)/(m+1), |s| ≤ 0.172,
 * summed to s²¹ (truncation below 1e-17). Used so normal samples are portable.
 */
export function portableLog(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`portableLog: expected a positive finite number, got ${x}`);
  scratch.setFloat64(0, x);
  const hi = scratch.getUint32(0);
  let e = ((hi >>> 20) & 0x7ff) - 1023;
  let m: number;
  if (e === -1023) {
    // subnormal: scale up by 2^54 first
    return portableLog(x * 18014398509481984) - 54 * LN2;
  }
  scratch.setUint32(0, (hi & 0x800fffff) | (1023 << 20));
  m = scratch.getFloat64(0); // in [1, 2)
  if (m > 1 / SQRT_HALF) { m /= 2; e += 1; }
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let term = s;
  let sum = 0;
  for (let k = 1; k <= 21; k += 2) {
    sum += term / k;
    term *= s2;
  }
  return 2 * sum + e * LN2;
}

/** A seeded pseudo-random generator. Same seed, same sequence, on every platform. */
export class Random {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;

  /** Seeds the generator from any integer (taken modulo 2³²). */
  constructor(seed: number = 0) {
    if (!Number.isFinite(seed)) throw new RangeError(`Random: expected a finite integer seed, got ${seed}`);
    const next = splitmix32(Math.trunc(seed) >>> 0);
    this.s0 = next(); this.s1 = next(); this.s2 = next(); this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A generator that continues from a saved `state()` (e.g. when resuming training). */
  static fromState(state: RandomState): Random {
    const r = new Random(0);
    r.setState(state);
    return r;
  }

  /** The full state, to save and restore with `fromState`/`setState`. */
  state(): RandomState {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  /** Restores a state returned by `state()`. */
  setState(state: RandomState): void {
    if (!Array.isArray(state) || state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new RangeError(`Random.setState: expected four 32-bit unsigned integers, got ${JSON.stringify(state)}`);
    }
    if ((state[0] | state[1] | state[2] | state[3]) === 0) throw new RangeError("Random.setState: the all-zero state is not allowed");
    [this.s0, this.s1, this.s2, this.s3] = state;
    this.spareNormal = null;
  }

  /** The next 32 random bits as an unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0; this.s1 >>>= 0; this.s2 >>>= 0; this.s3 >>>= 0;
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  uniformIn(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** A uniform integer in [0, n), for n ≥ 1. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`Random.int: expected an integer n ≥ 1, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** A standard normal sample, N(0, 1) (Marsaglia's polar method). */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * portableLog(s)) / s); // sqrt is exactly rounded by IEEE-754
        this.spareNormal = v * f;
        return u * f;
      }
    }
  }

  /** 1 with probability p, else 0. */
  bernoulli(p: number): number {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Random.bernoulli: expected p in [0, 1], got ${p}`);
    return this.uniform() < p ? 1 : 0;
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: any }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A random permutation of 0 … n−1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** An independent generator seeded from this one (e.g. one per layer). */
  fork(): Random {
    const r = new Random(0);
    r.setState([this.nextUint32() | 1, this.nextUint32(), this.nextUint32(), this.nextUint32()].map((w) => w >>> 0) as RandomState);
    return r;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
