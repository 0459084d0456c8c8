// The geometry layer of the drawing engine in one import: shape types mirroring the
// server's JSON, measures, ring rules, the server's clipping rule, COCO RLE, masks,
// path simplification and immutable shape edits. Each lives in its own small module.

export * from "./shapes";
export * from "./measure";
export * from "./rings";
export * from "./clip";
export * from "./rle";
export * from "./mask";
export * from "./maskCache";
export * from "./simplify";
export * from "./edit";
