/**
 * Training (src/train/): the loop, its metrics, checkpoints, learning-curve
 * plots, charts, hyperparameter search, progress text and the standard recipe
 * behind `nnref train`.
 */
export * from "./train.js";
export * from "./metrics.js";
export * from "./checkpoint.js";
export * from "./plot.js";
export * from "./ticks.js";
export * from "./progress.js";
export * from "./recipe.js";
export * from "./fit.js";
export * from "./gan.js";
export * from "./committee.js";
export * from "./image_grid.js";
export * from "./classifier_file.js";
export * from "./charts.js";
export * from "./search.js";
export * from "./finite_parameters.js";
export * from "./evaluate.js";
export * from "./model_weights.js";
export * from "./confusion_matrix.js";
export * from "./predict.js";
export * from "./autoencoder_training.js";
export * from "./row_epochs.js";
