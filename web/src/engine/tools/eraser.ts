// Eraser tool: clears pixels of the selected mask with a round brush ([ and ] resize it);
// erasing everything deletes the object.

import { MaskPaintTool } from "./maskPaint";
import type { Tool } from "./tool";

export class EraserTool extends MaskPaintTool implements Tool {
  readonly name = "eraser";
  protected readonly value = 0;
}
