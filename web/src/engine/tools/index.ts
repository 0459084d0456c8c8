// Every drawing tool, by the name the instruction's class tool or the toolbar uses.

export * from "./tool";
export { BoxTool } from "./box";
export { RotatedBoxTool, rotatedBoxFrom } from "./rotatedBox";
export { PolygonTool } from "./polygon";
export { PolylineTool } from "./polyline";
export { PointsTool } from "./points";
export { SkeletonTool, layoutSkeleton, type SkeletonTemplate } from "./skeleton";
export { FreehandTool } from "./freehand";
export { SculptTool, sculptRing } from "./sculpt";
export { BrushTool } from "./brush";
export { EraserTool } from "./eraser";
export { FillTool } from "./fill";
export { SelectTool, dragHandle, handlesOf } from "./select";
export type { RingMode } from "./rings";
