// Brush tool: paints the selected mask (or a new mask of the active class) with a round
// brush of adjustable radius ([ and ] resize it); one stroke is one undo step.

import { MaskPaintTool } from "./maskPaint";
import type { Tool } from "./tool";

export class BrushTool extends MaskPaintTool implements Tool {
  readonly name = "brush";
  protected readonly value = 1;
}
