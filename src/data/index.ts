/**
 * Data (src/data/): IDX files, labelled image datasets, standardization,
 * seeded minibatches and augmentation — everything that runs in a browser
 * too. Reading files from disk and the embedded dataset's Node loader are in
 * ./node_files.ts (Node only, not exported here).
 */
export * from "./idx.js";
export * from "./dataset.js";
export * from "./idx_files.js";
export * from "./standardize.js";
export * from "./augment.js";
export * from "./batches.js";
export * from "./rows.js";
export * from "./image_input.js";
