/**
 * The messages between the page (main.ts) and the training worker
 * (worker.ts). The page sends `Request`s; the worker answers with `Reply`s.
 * Typed arrays travel as transferables where the sender no longer needs them.
 */
import type { IdxFileBytes } from "../../src/data/idx_files.js";

/** Everything the student chooses; a change starts a fresh network. */
export interface Settings {
  readonly model: "mlp" | "lenet5";
  /** Step size ε. */
  readonly lr: number;
  /** μ. */
  readonly momentum: number;
  /** "pytorch": V ← μV + ∇ from V = the first gradient; "lecture" (001): V ← μV + (1 − μ)∇ from V₀ = 0. */
  readonly momentumForm: "pytorch" | "lecture";
  readonly batchSize: number;
  /** Drop probability (0: no Dropout layers). */
  readonly dropout: number;
  readonly batchNorm: boolean;
  readonly seed: number;
}

/** A tensor as it crosses to the page: shape and float32 values. */
export interface PlainTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export type Request =
  /** Builds a fresh network; `run` numbers it, and every later progress, epoch and filters reply carries it. */
  | { type: "configure"; settings: Settings; run: number }
  /** Train until `pause`, or for `steps` steps when given. */
  | { type: "train"; steps?: number }
  | { type: "pause" }
  /** The first layer's filters and every layer's activations for test image `index`. */
  | { type: "inspect"; index: number }
  /** Confusion matrix and predictions on the test set. */
  | { type: "evaluate" }
  /** Class probabilities of one drawn 28×28 image (uint8, 0 = background, 255 = ink). */
  | { type: "predict"; pixels: Uint8Array }
  | { type: "save" }
  /** Run the kernels on `count` threads (1 or 2; the results are the same bits): answered by a `threads` reply. */
  | { type: "threads"; count: number }
  | { type: "load"; bytes: Uint8Array; name: string; run: number }
  /** The embedded data, fetched and inflated by the page (sent once, first): the four IDX files, or why the page could not get them. */
  | { type: "data"; files?: IdxFileBytes; error?: string };

/** One training step as plotted. */
export interface StepPoint {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
  /** Accuracy on this step's minibatch. */
  readonly accuracy: number;
}

export type Reply =
  | {
      type: "ready";
      /** getBackend() in the worker: "wasm" when the kernels loaded. */
      backend: string;
      crossOriginIsolated: boolean;
      trainCount: number;
      testCount: number;
      testImages: Uint8Array;
      testLabels: Uint8Array;
      classNames: readonly string[];
      dataSource: string;
      /** Milliseconds the worker's own script still waited for the data (for the page's hand-off, then checking and parsing it). */
      dataMs: number;
      /**
       * The worker's performance.timeOrigin, and its performance.now() when its bundle began to run and when its own
       * script did (after nnref's code was evaluated and its kernels compiled): when the page's clock sees them.
       */
      workerTimeOrigin: number;
      bundleStartMs: number;
      scriptStartMs: number;
    }
  /** `trainable`: false for a loaded ONNX graph (evaluated only). */
  | { type: "configured"; run: number; parameters: number; layers: readonly string[]; architecture: string; standardization: { mean: number; std: number }; trainable: boolean }
  | { type: "progress"; run: number; points: StepPoint[]; totalSteps: number; epoch: number; imagesPerSecond: number; training: boolean }
  | { type: "epoch"; run: number; epoch: number; step: number; trainLoss: number; trainAccuracy: number; testLoss: number; testAccuracy: number }
  | { type: "filters"; run: number; filters: PlainTensor }
  | { type: "inspection"; index: number; layers: Array<{ name: string; layer: string; output: PlainTensor }>; probabilities: Float32Array }
  | { type: "evaluation"; confusion: Int32Array; predictions: Int32Array; accuracy: number }
  | { type: "prediction"; probabilities: Float32Array }
  | { type: "saved"; bytes: Uint8Array; name: string }
  /** `onnx`: an .onnx classifier, evaluated with nnref's ops but not trained (the settings are the page's, unchanged). */
  | { type: "loaded"; run: number; name: string; settings: Settings; architecture: string; standardizationFromFile: boolean; onnx: boolean }
  /**
   * The kernel threads now in use, sent when the worker's first choice (2 where
   * possible) settles and after each `threads` request; `reason` says why
   * fewer than `requested` run (threadsUnavailableReason(), or the error that
   * stopped the workers from starting), null when all do.
   */
  | { type: "threads"; threads: number; requested: number; reason: string | null }
  | { type: "error"; message: string };
