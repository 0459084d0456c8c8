// The annotation shapes as the server's JSON has them (pixelwise.domain.geometry_models):
// absolute pixels of the original asset, origin top-left, x right, y down. These are
// plain immutable values, so the document, undo history and save diffing can compare
// them by reference and send them to the PATCH API unchanged.

/** An [x, y] vertex in pixels. */
export type Point = readonly [number, number];
/** A closed boundary; the last vertex joins the first. */
export type Ring = readonly Point[];

interface Planar {
  readonly slice?: number | null;
  readonly frame?: number | null;
}

export interface Box extends Planar {
  readonly type: "box";
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** w x h centred on (cx, cy), turned `angle` degrees clockwise on screen. */
export interface RotatedBox extends Planar {
  readonly type: "rotated_box";
  readonly cx: number;
  readonly cy: number;
  readonly w: number;
  readonly h: number;
  readonly angle: number;
}

export interface Part {
  readonly outer: Ring;
  readonly holes: readonly Ring[];
}

export interface Polygon extends Planar {
  readonly type: "polygon";
  readonly parts: readonly Part[];
}

export interface Polyline extends Planar {
  readonly type: "polyline";
  readonly points: readonly Point[];
}

/** COCO visibility: 0 not labelled, 1 labelled but hidden, 2 labelled and visible. */
export type Visibility = 0 | 1 | 2;

export interface Keypoint {
  readonly x: number;
  readonly y: number;
  readonly visible: Visibility;
  readonly key?: string | null;
}

export interface Points extends Planar {
  readonly type: "points";
  readonly points: readonly Keypoint[];
}

/** COCO RLE: size is [height, width]; counts alternate 0/1 runs column by column. */
export interface Rle {
  readonly size: readonly [number, number];
  readonly counts: readonly number[] | string;
}

export interface Mask extends Planar {
  readonly type: "mask";
  readonly rle: Rle;
}

export interface SliceMask {
  readonly slice: number;
  readonly rle: Rle;
}

export interface Mask3D {
  readonly type: "mask3d";
  readonly frame?: number | null;
  readonly slices: readonly SliceMask[];
}

export type Geometry = Box | RotatedBox | Polygon | Polyline | Points | Mask | Mask3D;
export type GeometryType = Geometry["type"];

/** (x, y, w, h), as COCO's bbox. */
export interface Bbox {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** The size of the asset plane shapes are drawn on. */
export interface Size {
  readonly width: number;
  readonly height: number;
}
