"""Remote sources of an import: a CSV of URLs, and a DICOMweb study or series.

Every request goes through the network guard (`storage.sources.netguard`): loopback,
private, link-local and metadata addresses are refused unless PIXELWISE_URL_ALLOW_HOSTS
names them, redirects are followed by hand and checked again, and every download is cut
off at PIXELWISE_MAX_FILE_BYTES. Downloads land in the import's spool folder, are taken
like any other file, and are deleted right after.

With `register_only`, http(s) rows are not downloaded at all: each becomes an asset that
points at its URL (as peers do for data already on a web server), served later through the
same guard. DICOMweb rows are always downloaded, since a series is only known from its
instances' headers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from functools import partial
from pathlib import Path

from pixelwise.domain.errors import PixelwiseError
from pixelwise.services.context import Context
from pixelwise.services.import_sources import Candidate, Item, Passed, Remote
from pixelwise.settings import Settings
from pixelwise.storage.sources import dicomweb
from pixelwise.storage.sources.netguard import UrlPolicy, check_url
from pixelwise.storage.sources.urls import check_registered, fetch_urls, parse_url_csv


def url_policy(settings: Settings) -> UrlPolicy:
    """The limits every server-side fetch of a URL obeys."""
    return UrlPolicy(
        allow_hosts=tuple(settings.url_allow_hosts),
        timeout_seconds=settings.url_timeout_seconds,
        max_redirects=settings.url_max_redirects,
        max_bytes=settings.max_file_bytes,
    )


def _relative(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _downloaded(relative: str, path: Path | None, size: int, error: str | None) -> Item:
    """A download as an item; the run deletes its file once it took it."""
    if path is None:
        return Passed(relative, error or "download failed", "failed")
    return Candidate(relative, path, size, temporary=True)


def url_items(
    ctx: Context, csv_path: Path, spool: Path, *, register_only: bool
) -> tuple[int, Iterator[Item]]:
    """The rows of a CSV of URLs as items: bad rows as failures, http(s) URLs downloaded
    (or registered), DICOMweb URLs fetched instance by instance."""
    with csv_path.open("rb") as stream:
        rows, problems = parse_url_csv(stream)
    policy = url_policy(ctx.settings)
    web = [row for row in rows if row.kind != "dicomweb"]
    studies = [row for row in rows if row.kind == "dicomweb"]

    def items() -> Iterator[Item]:
        for problem in problems:
            where = f"{csv_path.name} line {problem.line}"
            yield Passed(where, problem.reason, "skipped" if problem.note else "failed")
        if register_only:
            for row in web:
                relative = _relative(row.folder, row.name)
                refused = check_registered(row, policy)  # hosts resolved once, not per row
                yield Passed(relative, refused, "failed") if refused else Remote(relative, row.url)
        else:
            fetched = fetch_urls(web, policy, spool, concurrency=ctx.settings.url_fetch_concurrency)
            with closing(fetched):  # a cancelled import drops the downloads under way
                for result in fetched:
                    relative = _relative(result.row.folder, result.row.name)
                    yield _downloaded(relative, result.path, result.size, result.error)
        for row in studies:
            yield from dicomweb_items(row.url, policy, spool, folder=row.folder)[1]

    return len(problems) + len(rows), items()


def dicomweb_items(
    url: str, policy: UrlPolicy, spool: Path, *, folder: str = ""
) -> tuple[int, Iterator[Item]]:
    """The instances of a DICOMweb study, series or instance, fetched one by one (QIDO-RS
    to list, WADO-RS to fetch). Listing failures become one failed item."""
    check = partial(check_url, policy=policy)
    try:
        ref = dicomweb.parse_dicomweb_url(url)
        instances = dicomweb.list_instances(ref, timeout=policy.timeout_seconds, check=check)
    except PixelwiseError as error:  # reported; the rest of the import goes on
        return 1, iter([Passed(url, error.detail, "failed")])

    def items() -> Iterator[Item]:
        fetched = dicomweb.fetch_instances(
            instances, spool, timeout=policy.timeout_seconds, max_bytes=policy.max_bytes,
            check=check,
        )  # fmt: skip
        with closing(fetched):
            for result in fetched:
                relative = _relative(folder, f"{result.instance.sop_uid}.dcm")
                yield _downloaded(relative, result.path, result.size, result.error)

    return len(instances), items()
