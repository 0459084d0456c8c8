"""Export JSON written by the database: one row per work item instead of one per object.

Reading 70,000 object rows into Python and formatting each costs more than everything else an
export does, so for the two JSON formats the database builds the text of every object and
joins an item's objects (in object id order) into one string:

- the native format: every object, as `formats.native.object_text` writes it;
- COCO: the annotations of boxes and polygons without holes whose bounding box and area
  were kept at save time (`annotation_objects.bbox_*`, `area`): `bbox` (rounded to 3
  decimals) and `area` from those columns, a box's `segmentation` from its corners, a
  polygon's from its stored outer rings with the brackets removed (the numbers copied as
  stored), `category_id` from the class table. An item with any other object says so
  (`complete` false) and is written by the Python converter from its object rows.

Each query yields `(work item id, object count, complete, text)` for the items of one part:
those of the project that match the filter with ids from `first` to `last` (a range, so
PostgreSQL walks the `(work_item_id, uid)` index). Numbers: PostgreSQL writes the shortest
text that reads back as the same float; SQLite (whose JSON functions write 15 significant
digits) is made to write 17 wherever a value might need them, so every number reads back
exactly. Rounding to 3 decimals is the database's, which rounds halfway cases of the
decimal text up (Python's `round` works on the binary value): the two differ by 0.001 at
most, on values with a fourth decimal of exactly 5.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select, literal_column, select

from pixelwise.db.models import AnnotationObject, WorkItem
from pixelwise.domain.item_filter import ItemFilter
from pixelwise.services.item_query import item_condition

# The objects table under its own name, so the filter's EXISTS subqueries on
# annotation_objects stay correlated to work_items only.
_ao = AnnotationObject.__table__.alias("ao")
_items = WorkItem.__table__


def _of_part(
    columns: list[Any],
    dialect: str,
    project_id: int,
    node: ItemFilter | None,
    first: int,
    last: int,
) -> Select[Any]:
    """`columns` of the objects of the part's items (project, filter, ids first..last)."""
    # The numbers are written into the SQL, so that PostgreSQL plans each part for its own
    # range (a generic plan of a prepared statement, made without them, scans the table).
    bounds: list[Any] = [literal_column(str(int(n))) for n in (project_id, first, last)]
    project, low, high = bounds
    return (
        select(*columns)
        .select_from(_ao.join(_items, _items.c.id == _ao.c.work_item_id))
        .where(
            _items.c.project_id == project,
            _items.c.id.between(low, high),
            _ao.c.work_item_id.between(low, high),
            item_condition(node, dialect),
        )
    )


def _exact_sqlite(value: str) -> str:
    """A float as JSON text that reads back as the same float (null for NULL)."""
    return f"CASE WHEN {value} IS NULL THEN 'null' ELSE printf('%!.17g', {value}) END"


_ISO_SQLITE = "replace({0}, ' ', 'T') || '+00:00'"
_ISO_POSTGRESQL = "to_char(timezone('UTC', {0}), 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"

_NATIVE_SQLITE = (
    "json_object('id', ao.id, 'uid', ao.uid, 'class', ao.class_key, "
    "'type', ao.geometry_type, 'geometry', json(ao.geometry), "
    "'attributes', json(ao.attributes), 'source', ao.source, 'model', ao.model, "
    f"'score', json({_exact_sqlite('ao.score')}), 'z_order', ao.z_order, "
    "'frame', ao.frame, 'slice', ao.slice, 'track_id', ao.track_id, "
    f"'flags', json(ao.flags), 'time_spent', json({_exact_sqlite('ao.time_spent')}), "
    "'revision', ao.revision, 'created_by', ao.created_by, "
    f"'created_at', {_ISO_SQLITE.format('ao.created_at')}, 'updated_by', ao.updated_by, "
    f"'updated_at', {_ISO_SQLITE.format('ao.updated_at')})"
)


def _quote_pg(value: str) -> str:
    return f"coalesce(to_json({value})::text, 'null')"


def _number_pg(value: str) -> str:
    return f"coalesce(({value})::text, 'null')"


_NATIVE_POSTGRESQL = (
    "'{\"id\":' || ao.id::text || ',\"uid\":' || " + _quote_pg("ao.uid") + " || "
    "',\"class\":' || " + _quote_pg("ao.class_key") + " || "
    "',\"type\":' || " + _quote_pg("ao.geometry_type") + " || "
    "',\"geometry\":' || ao.geometry::text || "
    "',\"attributes\":' || coalesce(ao.attributes::text, '{}') || "
    "',\"source\":' || " + _quote_pg("ao.source") + " || "
    "',\"model\":' || " + _quote_pg("ao.model") + " || "
    "',\"score\":' || " + _number_pg("ao.score") + " || "
    "',\"z_order\":' || ao.z_order::text || "
    "',\"frame\":' || " + _number_pg("ao.frame") + " || "
    "',\"slice\":' || " + _number_pg("ao.slice") + " || "
    "',\"track_id\":' || " + _quote_pg("ao.track_id") + " || "
    "',\"flags\":' || coalesce(ao.flags::text, '[]') || "
    "',\"time_spent\":' || " + _number_pg("ao.time_spent") + " || "
    "',\"revision\":' || ao.revision::text || "
    "',\"created_by\":' || " + _number_pg("ao.created_by") + " || "
    "',\"created_at\":' || " + _quote_pg(_ISO_POSTGRESQL.format("ao.created_at")) + " || "
    "',\"updated_by\":' || " + _number_pg("ao.updated_by") + " || "
    "',\"updated_at\":' || " + _quote_pg(_ISO_POSTGRESQL.format("ao.updated_at")) + " || '}'"
)


def _stored_native(dialect: str) -> str:
    """An object's native JSON from its stored text (`formats.fragments`): the id, the
    text, then who made and changed it and when."""
    if dialect == "postgresql":
        iso = _ISO_POSTGRESQL

        def number(value: str) -> str:
            return f"coalesce({value}::text, 'null')"

    else:
        iso = _ISO_SQLITE

        def number(value: str) -> str:
            return f"coalesce({value}, 'null')"

    def when(column: str) -> str:
        return f"coalesce('\"' || {iso.format(column)} || '\"', 'null')"

    return (
        "'{\"id\":' || ao.id || ',' || ao.native_json || "
        f"',\"created_by\":' || {number('ao.created_by')} || "
        f"',\"created_at\":' || {when('ao.created_at')} || "
        f"',\"updated_by\":' || {number('ao.updated_by')} || "
        f"',\"updated_at\":' || {when('ao.updated_at')} || '}}'"
    )


def _native(dialect: str) -> str:
    built = _NATIVE_POSTGRESQL if dialect == "postgresql" else _NATIVE_SQLITE
    return f"CASE WHEN ao.native_json IS NOT NULL THEN {_stored_native(dialect)} ELSE {built} END"


def native_objects(
    dialect: str, project_id: int, node: ItemFilter | None, first: int, last: int
) -> Select[Any]:
    """Per item of the part: (id, object count, true, its objects as native JSON texts
    joined by commas, in id order): the stored texts, or, for objects without one, built
    from the columns."""
    item = _ao.c.work_item_id
    if dialect == "postgresql":
        text: Any = literal_column(f"string_agg({_native(dialect)}, ',' ORDER BY ao.id)")
        columns = [item, literal_column("count(*)"), literal_column("true"), text]
        return _of_part(columns, dialect, project_id, node, first, last).group_by(item)
    columns = [
        _items.c.id,
        literal_column("count(*)"),
        literal_column("1"),
        literal_column(f"group_concat({_native(dialect)}, ',')"),
    ]
    return _in_id_order(_of_part(columns, dialect, project_id, node, first, last))


# --- COCO ---------------------------------------------------------------------------------

_MEASURED = (
    "ao.bbox_x IS NOT NULL AND ao.bbox_y IS NOT NULL AND ao.bbox_w IS NOT NULL "
    "AND ao.bbox_h IS NOT NULL AND ao.area IS NOT NULL"
)


def _corners(number: Any) -> str:
    x, y = number("ao.bbox_x"), number("ao.bbox_y")
    right, bottom = number("ao.bbox_x + ao.bbox_w"), number("ao.bbox_y + ao.bbox_h")
    return " || ',' || ".join([x, y, right, y, right, bottom, x, bottom])


def _f17(value: str) -> str:
    return f"printf('%!.17g', {value})"


# The COCO segmentation of a box or a polygon without holes; NULL for any other object.
# Constant SQL: no outside text goes in (class keys are quoted by _literal).
_SEGMENTATION_SQLITE = (
    f"CASE WHEN NOT ({_MEASURED}) THEN NULL "  # noqa: S608
    f"WHEN ao.geometry_type = 'box' THEN '[[' || {_corners(_f17)} || ']]' "
    "WHEN ao.geometry_type = 'polygon' THEN (SELECT CASE WHEN count(*) = 0 "
    "OR max(coalesce(json_array_length(p.value, '$.holes'), 0)) > 0 "
    "OR max(coalesce(json_type(p.value, '$.outer'), '') != 'array') THEN NULL "
    "ELSE '[' || group_concat('[' || replace(replace(json_extract(p.value, '$.outer'), "
    "'[', ''), ']', '') || ']', ',') || ']' END "
    "FROM json_each(ao.geometry, '$.parts') AS p) END"
)
_SEGMENTATION_POSTGRESQL = (
    f"CASE WHEN NOT ({_MEASURED}) THEN NULL "  # noqa: S608
    f"WHEN ao.geometry_type = 'box' THEN '[[' || {_corners(lambda v: f'({v})::text')} || ']]' "
    "WHEN ao.geometry_type = 'polygon' THEN (SELECT CASE WHEN count(*) = 0 "
    "OR bool_or(coalesce(p.value -> 'holes', '[]'::jsonb) <> '[]'::jsonb) "
    "OR bool_or(jsonb_typeof(p.value -> 'outer') IS DISTINCT FROM 'array') THEN NULL "
    "ELSE '[' || string_agg('[' || translate((p.value -> 'outer')::text, '[] ', '') || ']', "
    "',' ORDER BY p.n) || ']' END "
    "FROM jsonb_array_elements(ao.geometry -> 'parts') WITH ORDINALITY AS p(value, n)) END"
)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _category(classes: dict[str, int], column: str = "o.class_key") -> str:
    if not classes:
        return "'0'"
    whens = " ".join(f"WHEN {_literal(key)} THEN '{index}'" for key, index in classes.items())
    return f"CASE {column} {whens} ELSE '0' END"


def _annotation(dialect: str, classes: dict[str, int]) -> str:
    """A COCO annotation's JSON text from the columns of the subquery `o`."""
    if dialect == "postgresql":

        def quote(value: str) -> str:
            return _quote_pg(value)

        def number(value: str) -> str:
            return _number_pg(value)

        def rounded(value: str) -> str:
            return f"round(({value})::numeric, 3)::float8::text"

        def integer(value: str) -> str:
            return f"coalesce(({value})::text, 'null')"

        def text_of(value: str) -> str:
            return f"({value})::text"

    else:

        def quote(value: str) -> str:
            return f"json_quote({value})"

        def number(value: str) -> str:
            return _exact_sqlite(value)

        def rounded(value: str) -> str:
            return f"printf('%!.15g', round({value}, 3))"

        def integer(value: str) -> str:
            return f"coalesce({value}, 'null')"

        def text_of(value: str) -> str:
            return value

    bbox = " || ',' || ".join(rounded(f"o.bbox_{c}") for c in "xywh")
    return (
        "'{\"id\":' || o.oid || ',\"image_id\":' || o.item || "
        f"',\"category_id\":' || {_category(classes)} || "
        f"',\"bbox\":[' || {bbox} || '],\"area\":' || {number('o.area')} || "
        '\',"iscrowd":0,"segmentation":\' || o.seg || '
        f'\',"pixelwise":{{"uid":\' || {quote("o.uid")} || '
        f"',\"class\":' || {quote('o.class_key')} || "
        f"',\"type\":' || {quote('o.geometry_type')} || "
        f"',\"attributes\":' || coalesce({text_of('o.attributes')}, '{{}}') || "
        f"',\"source\":' || {quote('o.source')} || "
        f"',\"model\":' || {quote('o.model')} || "
        f"',\"score\":' || {number('o.score')} || "
        "',\"z_order\":' || o.z_order || "
        f"',\"flags\":' || coalesce({text_of('o.flags')}, '[]') || "
        f"',\"track_id\":' || {quote('o.track_id')} || "
        f"',\"frame\":' || {integer('o.frame')} || "
        f"',\"slice\":' || {integer('o.slice')} || ',\"object_id\":' || o.oid || '}}}}'"
    )


def _stored_annotation(classes: dict[str, int]) -> str:
    """A COCO annotation from the object's stored text (`formats.fragments`)."""
    return (
        "'{\"id\":' || o.oid || ',\"image_id\":' || o.item || "
        f"',\"category_id\":' || {_category(classes)} || ',' || o.stored || "
        "',\"object_id\":' || o.oid || '}}'"
    )


def coco_annotations(
    dialect: str,
    classes: dict[str, int],
    project_id: int,
    node: ItemFilter | None,
    first: int,
    last: int,
) -> Select[Any]:
    """Per item of the part: (id, object count, whether the text holds all its objects,
    the COCO annotations of its boxes and hole-free polygons joined by commas, in id
    order). `classes` maps class keys to category ids."""
    postgresql = dialect == "postgresql"
    segmentation = _SEGMENTATION_POSTGRESQL if postgresql else _SEGMENTATION_SQLITE
    columns = [
        _ao.c.work_item_id.label("item"),
        _ao.c.id.label("oid"),
        _ao.c.coco_json.label("stored"),
        _ao.c.uid,
        _ao.c.class_key,
        _ao.c.geometry_type,
        _ao.c.attributes,
        _ao.c.source,
        _ao.c.model,
        _ao.c.score,
        _ao.c.z_order,
        _ao.c.frame,
        _ao.c.slice,
        _ao.c.track_id,
        _ao.c.flags,
        _ao.c.bbox_x,
        _ao.c.bbox_y,
        _ao.c.bbox_w,
        _ao.c.bbox_h,
        _ao.c.area,
        # Worked out only for objects without a stored text.
        literal_column(f"CASE WHEN ao.coco_json IS NULL THEN {segmentation} END").label("seg"),
    ]
    fragment = (
        f"CASE WHEN o.stored IS NOT NULL THEN {_stored_annotation(classes)} "
        f"WHEN o.seg IS NOT NULL THEN {_annotation(dialect, classes)} END"
    )
    written = "o.stored IS NOT NULL OR o.seg IS NOT NULL"
    if postgresql:
        inner = _of_part(columns, dialect, project_id, node, first, last)
        o = inner.offset(0).subquery("o")  # computed once per row, not inlined
        aggregate: list[Any] = [
            literal_column(f"bool_and({written})"),
            literal_column(f"string_agg({fragment}, ',' ORDER BY o.oid)"),
        ]
        return select(o.c.item, literal_column("count(*)"), *aggregate).group_by(o.c.item)
    # SQLite: straight from the objects' rows, grouped in the order they are read (see
    # _in_id_order); the segmentation is worked out only for objects without stored text.
    seg = f"(CASE WHEN ao.coco_json IS NULL THEN {_SEGMENTATION_SQLITE} END)"
    category = "\x00category\x00"

    def direct(text: str) -> str:
        text = text.replace(_category(classes), category)
        for name, column in (
            ("oid", "ao.id"),
            ("item", "ao.work_item_id"),
            ("stored", "ao.coco_json"),
        ):
            text = re.sub(rf"\bo\.{name}\b", column, text)
        text = re.sub(r"\bo\.(\w+)", r"ao.\1", text)
        return text.replace("ao.seg", seg).replace(category, _category(classes, "ao.class_key"))

    columns = [
        _items.c.id,
        literal_column("count(*)"),
        literal_column(f"min({direct(written)})"),
        literal_column(f"group_concat({direct(fragment)}, ',')"),
    ]
    return _in_id_order(_of_part(columns, dialect, project_id, node, first, last))


def _in_id_order(query: Select[Any]) -> Select[Any]:
    """SQLite: one group per item, its objects joined in id order. The items are read in id
    order (the (project, id) index) and each item's objects through the (work_item_id, id)
    index, so group_concat meets them in that order without a sort."""
    return query.with_hint(_ao, "INDEXED BY ix_annotation_objects_item_order", "sqlite").group_by(
        _items.c.id
    )
