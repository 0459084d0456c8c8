"""Who may do what: the one permission table of Pixelwise, as data.

Each action has a scope. For `project` actions the caller's role in the project named by
the request decides; for the other scopes only the organisation role counts. The table
below is the whole policy: a route declares one action, and a test walks every route for
every principal and checks the answer against this table.
"""

from __future__ import annotations

from enum import StrEnum


class Principal(StrEnum):
    """The caller as the permission table sees them."""

    ANONYMOUS = "anonymous"
    MEMBER = "member"  # signed in, no role in the project concerned
    ANNOTATOR = "annotator"
    REVIEWER = "reviewer"
    PROJECT_ADMIN = "project_admin"
    ORG_ADMIN = "org_admin"


class ProjectRole(StrEnum):
    """A user's role within one project (the Membership table)."""

    ANNOTATOR = "annotator"
    REVIEWER = "reviewer"
    ADMIN = "admin"


class OrgRole(StrEnum):
    """A user's organisation-wide role."""

    MEMBER = "member"
    ADMIN = "admin"


class Scope(StrEnum):
    """What the decision depends on."""

    PUBLIC = "public"  # anyone, signed in or not
    ORG = "org"  # the organisation role only
    PROJECT = "project"  # the role in the project named by the request


class Action(StrEnum):
    """Every action a route can perform. Names read `thing.verb`."""

    HEALTH_READ = "health.read"
    DOCS_READ = "docs.read"
    METRICS_READ = "metrics.read"
    AUTH_LOGIN = "auth.login"
    AUTH_LOGOUT = "auth.logout"
    ME_READ = "me.read"
    ME_UPDATE = "me.update"
    TOKEN_MANAGE = "token.manage"
    USER_LIST = "user.list"
    USER_CREATE = "user.create"
    USER_READ = "user.read"
    USER_UPDATE = "user.update"
    AUDIT_READ = "audit.read"
    JOB_READ = "job.read"
    JOB_CANCEL = "job.cancel"
    JOB_PROBE = "job.probe"
    DATASET_READ = "dataset.read"
    DATASET_MANAGE = "dataset.manage"
    PROJECT_CREATE = "project.create"
    PROJECT_LIST = "project.list"
    PROJECT_READ = "project.read"
    PROJECT_UPDATE = "project.update"
    MEMBER_LIST = "member.list"
    MEMBER_MANAGE = "member.manage"
    ASSET_LIST = "asset.list"
    ASSET_VIEW = "asset.view"
    ASSET_DOWNLOAD = "asset.download"
    EXPORT_CREATE = "export.create"
    EXPORT_DOWNLOAD = "export.download"
    ITEM_LIST = "item.list"
    ANNOTATION_READ = "annotation.read"
    ANNOTATION_WRITE = "annotation.write"
    INSTRUCTION_READ = "instruction.read"
    INSTRUCTION_MANAGE = "instruction.manage"


# Actions that hand out the team's data as files. Annotators never get these.
DATA_DOWNLOADS = frozenset({Action.ASSET_DOWNLOAD, Action.EXPORT_DOWNLOAD})

_COLUMNS = (
    Principal.ANONYMOUS,
    Principal.MEMBER,
    Principal.ANNOTATOR,
    Principal.REVIEWER,
    Principal.PROJECT_ADMIN,
    Principal.ORG_ADMIN,
)

# One row per action. Columns: scope, then anonymous, member, annotator, reviewer,
# project admin, organisation admin ("y" allowed, "." denied). For org and public scopes
# the three project columns repeat the member column: project roles do not matter there.
_TABLE = """
health.read      public   y  y  y  y  y  y
docs.read        public   y  y  y  y  y  y
metrics.read     public   y  y  y  y  y  y
auth.login       public   y  y  y  y  y  y
auth.logout      public   y  y  y  y  y  y
me.read          org      .  y  y  y  y  y
me.update        org      .  y  y  y  y  y
token.manage     org      .  y  y  y  y  y
user.list        org      .  .  .  .  .  y
user.create      org      .  .  .  .  .  y
user.read        org      .  .  .  .  .  y
user.update      org      .  .  .  .  .  y
audit.read       org      .  .  .  .  .  y
job.read         org      .  y  y  y  y  y
job.cancel       org      .  y  y  y  y  y
job.probe        org      .  .  .  .  .  y
dataset.read     org      .  .  .  .  .  y
dataset.manage   org      .  .  .  .  .  y
project.create   org      .  .  .  .  .  y
instruction.read   org    .  y  y  y  y  y
instruction.manage org    .  .  .  .  .  y
project.list     org      .  y  y  y  y  y
project.read     project  .  .  y  y  y  y
project.update   project  .  .  .  .  y  y
member.list      project  .  .  y  y  y  y
member.manage    project  .  .  .  .  y  y
asset.list       project  .  .  y  y  y  y
asset.view       project  .  .  y  y  y  y
asset.download   project  .  .  .  .  y  y
export.create    project  .  .  .  .  y  y
export.download  project  .  .  .  .  y  y
item.list        project  .  .  y  y  y  y
annotation.read  project  .  .  y  y  y  y
annotation.write project  .  .  y  y  y  y
"""


def _parse(table: str) -> tuple[dict[Action, Scope], dict[Action, frozenset[Principal]]]:
    scopes: dict[Action, Scope] = {}
    allowed: dict[Action, frozenset[Principal]] = {}
    for line in table.strip().splitlines():
        name, scope, *cells = line.split()
        action = Action(name)
        if action in scopes or len(cells) != len(_COLUMNS) or set(cells) - {"y", "."}:
            raise ValueError(f"bad permission row: {line!r}")
        scopes[action] = Scope(scope)
        allowed[action] = frozenset(
            p for p, cell in zip(_COLUMNS, cells, strict=True) if cell == "y"
        )
    missing = set(Action) - set(scopes)
    if missing:
        raise ValueError(f"actions missing from the permission table: {sorted(missing)}")
    return scopes, allowed


SCOPES, ALLOWED = _parse(_TABLE)


def is_allowed(action: Action, principal: Principal) -> bool:
    """True when the table lets `principal` perform `action`."""
    return principal in ALLOWED[action]


def principal_for(
    scope: Scope, *, signed_in: bool, org_role: OrgRole | None, project_role: ProjectRole | None
) -> Principal:
    """How the table sees a caller for an action of `scope`."""
    if not signed_in:
        return Principal.ANONYMOUS
    if org_role is OrgRole.ADMIN:
        return Principal.ORG_ADMIN
    if scope is not Scope.PROJECT or project_role is None:
        return Principal.MEMBER
    return {
        ProjectRole.ANNOTATOR: Principal.ANNOTATOR,
        ProjectRole.REVIEWER: Principal.REVIEWER,
        ProjectRole.ADMIN: Principal.PROJECT_ADMIN,
    }[project_role]
