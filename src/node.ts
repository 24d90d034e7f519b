/**
 * `nnref/node` — everything in `nnref`, plus what needs Node's file system:
 * loading IDX files from a directory and the Fashion-MNIST subset embedded in
 * the package. Browsers import `nnref` and pass bytes (`fetchIdxDataset`,
 * `trainTestFromIdx`).
 */
export * from "./index.js";
export * from "./data/node_files.js";
export * from "./data/test_image.js";
export * from "./lecture/experiments/index.js";
export * from "./lecture/experiments/pages.js";
export * from "./lecture/experiments/files.js";
export * from "./io/file_system.js";
export * from "./train/training_run.js";
