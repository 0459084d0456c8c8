"""`serve --demo`: an admin, a dataset of generated images and a project, made once."""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass

import numpy as np
from PIL import Image
from sqlalchemy import select

from pixelwise.db.models import Asset, Dataset, Project, User
from pixelwise.domain.permissions import OrgRole
from pixelwise.services import audit
from pixelwise.services.context import Actor, Context
from pixelwise.services.projects import create_project
from pixelwise.services.users import create_user

DEMO_EMAIL = "admin@pixelwise.local"
DEMO_DATASET = "Demo shapes"
DEMO_PROJECT = "Demo project"
DEMO_IMAGES = 6


@dataclass(frozen=True)
class DemoSetup:
    """What was made; `password` is set only when the admin was created just now."""

    email: str
    password: str | None
    dataset_id: int
    project_id: int


def _shapes_image(seed: int, size: tuple[int, int] = (640, 480)) -> bytes:
    """A PNG of a few coloured discs and boxes on a gradient: something to label."""
    rng = np.random.default_rng(seed)
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width]
    image = np.zeros((height, width, 3), dtype=np.uint8)
    image[..., 0] = (xx * 120 // width + 40).astype(np.uint8)
    image[..., 1] = (yy * 120 // height + 40).astype(np.uint8)
    image[..., 2] = 90
    for _ in range(int(rng.integers(2, 5))):
        colour = rng.integers(60, 255, size=3).astype(np.uint8)
        cx, cy = int(rng.integers(60, width - 60)), int(rng.integers(60, height - 60))
        radius = int(rng.integers(25, 70))
        if rng.random() < 0.5:
            image[(xx - cx) ** 2 + (yy - cy) ** 2 <= radius**2] = colour
        else:
            image[max(cy - radius, 0) : cy + radius, max(cx - radius, 0) : cx + radius] = colour
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def ensure_demo(ctx: Context) -> DemoSetup:
    """Create whatever of the demo is missing; running it twice changes nothing."""
    system = Actor.system("demo")
    password: str | None = None
    with ctx.database.read() as session:
        admin = session.scalar(select(User).where(User.email == DEMO_EMAIL))
        dataset = session.scalar(select(Dataset).where(Dataset.name == DEMO_DATASET))
        project = session.scalar(select(Project).where(Project.name == DEMO_PROJECT))
    if admin is None:
        password = secrets.token_urlsafe(12)
        info = create_user(
            ctx,
            system,
            email=DEMO_EMAIL,
            password=password,
            name="Demo admin",
            org_role=OrgRole.ADMIN,
        )
        admin_id = info.id
    else:
        admin_id = admin.id
    dataset_id = _create_dataset(ctx, system, admin_id) if dataset is None else dataset.id
    if project is None:
        owner = Actor(user_id=admin_id, email=DEMO_EMAIL, org_role=OrgRole.ADMIN, via="system")
        project_id = create_project(
            ctx,
            owner,
            name=DEMO_PROJECT,
            dataset_id=dataset_id,
            description="Generated shapes to try the tools on.",
        ).id
    else:
        project_id = project.id
    return DemoSetup(DEMO_EMAIL, password, dataset_id, project_id)


def _create_dataset(ctx: Context, actor: Actor, owner_id: int) -> int:
    with ctx.database.transaction() as session:
        dataset = Dataset(name=DEMO_DATASET, description="Generated images", created_by=owner_id)
        session.add(dataset)
        session.flush()
        for index in range(DEMO_IMAGES):
            data = _shapes_image(index)
            key = f"datasets/{dataset.id}/shapes/shape-{index + 1:02d}.png"
            size = ctx.blobs.put(key, io.BytesIO(data))
            session.add(
                Asset(
                    dataset_id=dataset.id,
                    folder="shapes",
                    name=f"shape-{index + 1:02d}.png",
                    kind="image",
                    media_type="image/png",
                    blob_key=key,
                    size_bytes=size,
                    checksum=hashlib.sha256(data).hexdigest(),
                    width=640,
                    height=480,
                )
            )
        audit.record(session, actor, "dataset.create", target_type="dataset", target_id=dataset.id)
        return dataset.id
