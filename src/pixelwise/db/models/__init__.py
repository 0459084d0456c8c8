"""Every table of Pixelwise; importing this package registers them all on `Base.metadata`."""

from pixelwise.db.models.accounts import ApiToken, LoginSession, User
from pixelwise.db.models.annotations import (
    AnnotationChange,
    AnnotationObject,
    AnnotationRevision,
    WorkItem,
)
from pixelwise.db.models.audit import AuditEvent
from pixelwise.db.models.datasets import Asset, Dataset
from pixelwise.db.models.instructions import Instruction, InstructionVersion
from pixelwise.db.models.jobs import Job
from pixelwise.db.models.projects import Membership, Project

__all__ = [
    "AnnotationChange",
    "AnnotationObject",
    "AnnotationRevision",
    "ApiToken",
    "Asset",
    "AuditEvent",
    "Dataset",
    "Instruction",
    "InstructionVersion",
    "Job",
    "LoginSession",
    "Membership",
    "Project",
    "User",
    "WorkItem",
]
