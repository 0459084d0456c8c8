"""Item filters (`domain.item_filter`) as SQL conditions on `work_items`, for both engines.

Conditions on objects are EXISTS subqueries on `annotation_objects` (indexed by class and
item); attribute and answer values match a scalar equal to the value or a list that
includes it (multiple choice), with JSONB containment on PostgreSQL and `json_each` on
SQLite.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, func, literal, not_, or_, select, true
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnClause

from pixelwise.db.models import AnnotationObject, AnnotationRevision, WorkItem
from pixelwise.domain.item_filter import (
    And,
    AnnotatorIs,
    AnswerIs,
    AssigneeIs,
    AttributeIs,
    HasClass,
    HasSource,
    IsEmpty,
    ItemFilter,
    Not,
    Or,
    Scalar,
    StateIs,
)


def _json_includes(
    column: ColumnClause[object] | object, key: str, value: Scalar, dialect: str
) -> ColumnElement[bool]:
    """`column[key]` equals `value`, or is a list that includes it."""
    if dialect == "postgresql":
        return column.op("->")(key).op("@>")(literal(value, JSONB))  # type: ignore[union-attr]
    each = func.json_each(column, f'$."{key}"').table_valued("value")
    wanted: object = int(value) if isinstance(value, bool) else value
    return exists(select(1).select_from(each).where(each.c.value == wanted))


def item_condition(node: ItemFilter | None, dialect: str) -> ColumnElement[bool]:
    """The SQL condition on `work_items` rows that `node` stands for (true for None)."""
    if node is None:
        return true()
    if isinstance(node, And):
        return and_(*(item_condition(child, dialect) for child in node.all_of))
    if isinstance(node, Or):
        return or_(*(item_condition(child, dialect) for child in node.any_of))
    if isinstance(node, Not):
        return not_(item_condition(node.negated, dialect))
    if isinstance(node, StateIs):
        return WorkItem.state.in_(node.states())
    if isinstance(node, AssigneeIs):
        return WorkItem.assignee_id == node.assignee
    if isinstance(node, AnnotatorIs):
        return exists().where(
            AnnotationRevision.work_item_id == WorkItem.id,
            AnnotationRevision.user_id == node.annotator,
        )
    if isinstance(node, IsEmpty):
        return WorkItem.object_count == 0 if node.empty else WorkItem.object_count > 0
    if isinstance(node, AnswerIs):
        return _json_includes(WorkItem.answers, node.answer, node.equals, dialect)
    return exists().where(
        AnnotationObject.work_item_id == WorkItem.id, _object_condition(node, dialect)
    )


def _object_condition(
    node: HasClass | AttributeIs | HasSource, dialect: str
) -> ColumnElement[bool]:
    if isinstance(node, HasClass):
        return AnnotationObject.class_key == node.class_key
    if isinstance(node, HasSource):
        return AnnotationObject.source == node.source.value
    matches = _json_includes(AnnotationObject.attributes, node.attribute, node.equals, dialect)
    if node.class_key is not None:
        return and_(AnnotationObject.class_key == node.class_key, matches)
    return matches
