/**
 * Regenerates docs/vectors/reference.json: a few cases of every op of the
 * format's table (docs/vectors/format.md) that nnref registers, from the reference
 * implementation with a fixed seed (see makeVectors in src/check/vectors.ts).
 * nnref's own extra ops (add, concat, …) stay out, so that any implementation
 * of the format can read every case.
 *
 *   node --import tsx scripts/make_reference_vectors.ts [--count K] [--seed S] [--out FILE]
 *
 * Run it again when an op is added or its semantics change, then check the
 * result with `npx nnref check docs/vectors/reference.json`.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { MAKE_VECTORS_SOURCE, formatOpNames, makeVectors } from "../src/check/vectors.js";
import { writeVectors, type VectorCase } from "../src/io/vectors.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "3" },
    seed: { type: "string", default: "2026" },
    out: { type: "string", default: fileURLToPath(new URL("../docs/vectors/reference.json", import.meta.url)) },
  },
});
const count = Number(values.count);
const seed = Number(values.seed);

const cases: VectorCase[] = [];
const ops = formatOpNames();
for (const name of ops) cases.push(...(makeVectors(name, { count, seed }).cases as VectorCase[]));
writeFileSync(values.out!, writeVectors(cases, `${MAKE_VECTORS_SOURCE}; ${count} cases per op, seed ${seed} (scripts/make_reference_vectors.ts)`));
console.log(`wrote ${cases.length} cases of ${ops.length} ops (${ops.join(", ")}) to ${values.out}`);
