/**
 * The contract every lecture experiment keeps (`nnref lecture NAME`): a
 * library function that reruns one slide's experiment, returns the lecture's
 * number beside nnref's, the figures to write, and the claims the slide makes
 * checked against the run. The CLI only prints and writes what this returns;
 * docs/lectures/ is generated from the same result.
 */

/** How an experiment runs: `quick` finishes in seconds (the spec suite), the full run reproduces the slide. */
export interface ExperimentOptions {
  /** Small sizes and few steps, for the spec suite; the claims must still hold. */
  quick: boolean;
  /** Seeds every random draw of the run: the same seed gives the same result. */
  seed: number;
}

/** One line of the printed table: a quantity, the lecture's value (null where the slide gives none) and nnref's. */
export interface ComparisonRow {
  quantity: string;
  lecture: number | string | null;
  nnref: number | string;
  /** Why the two differ, or what the slide left unstated and what was assumed. */
  note?: string;
}

/** A figure the experiment draws: SVG text (plots) or PNG bytes (image grids). */
export interface Figure {
  /** File name inside the output folder, e.g. "vanishing-gradients.svg". */
  file: string;
  kind: "svg" | "png";
  data: string | Uint8Array;
  caption: string;
}

/** A statement the slide makes, and whether this run bears it out. */
export interface Claim {
  claim: string;
  holds: boolean;
}

/** What a run returns: the table, the figures, the claims, and the raw numbers (JSON-serialisable). */
export interface ExperimentResult {
  rows: ComparisonRow[];
  figures: Figure[];
  claims: Claim[];
  /** The measurements behind rows and figures, for `--json` and the generated docs pages. */
  data: Record<string, unknown>;
}

/** One experiment of the course companion, named after its deck and slide. */
export interface Experiment {
  /** Command-line name, kebab-case: `nnref lecture vanishing-gradients`. */
  name: string;
  /** The deck, by course name and number, e.g. "001 Introduction to ML week 6: Optimization, Regularization". */
  deck: string;
  /** The slide titles the experiment reproduces, as the deck prints them. */
  slides: string[];
  /** One line: what the experiment shows. */
  title: string;
  /** Wall-clock time of the full run on the machine it was written on, e.g. "~20 s (2-core Zen 3)". */
  fullRunTime: string;
  run(options: ExperimentOptions): Promise<ExperimentResult>;
}
