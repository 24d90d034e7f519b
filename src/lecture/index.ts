/**
 * The lectures' networks written out by hand (src/lecture/): the equations
 * of the slides as plain loops, cited, checked against the library.
 */
export * from "./two_layer_network.js";
export * from "./mlp_squared_loss.js";
export * from "./rbm.js";
