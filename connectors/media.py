"""Attachments: recorded when an item is ingested, downloaded by the worker, stored by content.

Every write about media is here (R31): recording an item's attachments as the platform describes
them, downloading each one within a size limit, a time limit and a number of attempts, deciding
its MIME type from the bytes, and storing it once per content under
``MEDIA_ROOT/sha256/ab/cd/<hash>``. A failed download is kept with its error on the connectors'
failures page and retried by beat; a refused one (too large, not a platform address) is kept
with the reason and not retried.

Only platform addresses are fetched: http(s) on the default port, a host of the item's platform
(Meta's CDNs for Facebook and Instagram, the account's own server for Mastodon, plus
``CONNECTOR_MEDIA_HOSTS``), never an IP address, and every redirect is checked the same way, so
a payload cannot make the worker reach a private address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

import filetype
import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Platform, User
from accounts.platforms import is_platform_host
from moderation.models import ConnectorConfig, Item

from .events import InboundAttachment
from .models import (
    RETRYABLE_STATUSES,
    Attachment,
    AttachmentKind,
    AttachmentStatus,
    ExactText,
    media_file,
    text_sha256,
)

logger = logging.getLogger("connectors")

# A download whose task was lost (worker died mid-way) is tried again after this.
STALE_AFTER = dt.timedelta(minutes=10)
MAX_REDIRECTS = 5
_CHUNK = 64 * 1024
# What each platform serves its media from, beside the platform's own web hosts; by the
# account's platform, whatever way the item came in.
PLATFORM_MEDIA_HOSTS = {
    Platform.FACEBOOK: ("fbcdn.net", "fbsbx.com", "facebook.com"),
    Platform.INSTAGRAM: ("cdninstagram.com", "fbcdn.net", "fbsbx.com", "instagram.com"),
}


class MediaRefused(Exception):
    """Never to be fetched: retrying cannot help (too large, not a platform address)."""


class MediaFailed(Exception):
    """This attempt failed (a timeout, an HTTP error); a later attempt may succeed."""


# --- Recording ---------------------------------------------------------------------------------


def _key(attachment: InboundAttachment) -> str:
    if attachment.platform_id:
        return f"id:{attachment.platform_id}"[:500]
    parts = urlsplit(attachment.url)
    bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    if len(bare) > 480:
        bare = hashlib.sha256(bare.encode("utf-8", errors="surrogatepass")).hexdigest()
    return f"url:{bare}"


def attachments_record(
    *, item: Item, attachments: tuple[InboundAttachment, ...] | list[InboundAttachment]
) -> list[Attachment]:
    """One row per attachment the item has not recorded yet, each waiting for the worker;
    the download is queued after commit. A redelivery of the same change records nothing new.
    Returns the rows created."""
    from .services import storable_text
    from .tasks import download_attachment

    if not attachments:
        return []
    existing = set(item.attachments.values_list("key", flat=True))
    position = item.attachments.count()
    created = []
    for attachment in attachments:
        key = storable_text(_key(attachment))
        if key in existing:
            continue
        existing.add(key)
        nothing = attachment.kind == AttachmentKind.LINK and not attachment.preview_url
        try:
            with transaction.atomic():
                row = Attachment.objects.create(
                    item=item,
                    key=key,
                    position=position,
                    kind=attachment.kind
                    if attachment.kind in AttachmentKind.values
                    else AttachmentKind.FILE,
                    source_url=storable_text(attachment.url),
                    preview_url=storable_text(attachment.preview_url),
                    title=storable_text(attachment.title),
                    description=storable_text(attachment.description),
                    platform_id=storable_text(attachment.platform_id)[:200],
                    claimed_mime_type=storable_text(attachment.mime_type)[:200],
                    status=AttachmentStatus.NOTHING_TO_FETCH
                    if nothing
                    else AttachmentStatus.PENDING,
                )
        except IntegrityError:
            # The same attachment recorded by a simultaneous delivery.
            continue
        position += 1
        created.append(row)
        if not nothing:
            # Robust: with the broker down the row waits; beat's sweep queues it later.
            transaction.on_commit(lambda pk=row.pk: download_attachment.delay(pk), robust=True)
    return created


def exact_text_record(*, item: Item, exact: str) -> ExactText | None:
    """Keep the text exactly when the stored one had characters replaced (NUL, lone
    surrogates), so the archival package can carry it bit for bit."""
    from .services import storable_text

    stored = storable_text(exact)
    if stored == exact:
        return None
    raw = exact.encode("utf-8", errors="surrogatepass")
    fields = {
        "item": item,
        "stored_sha256": text_sha256(stored),
        "exact_sha256": hashlib.sha256(raw).hexdigest(),
    }
    found = ExactText.objects.filter(**fields).first()
    if found is not None:
        return found
    return ExactText.objects.create(exact=raw, **fields)


# --- Which addresses may be fetched ------------------------------------------------------------


def _media_hosts(item: Item) -> tuple[str, ...]:
    hosts = list(PLATFORM_MEDIA_HOSTS.get(item.account.platform, ()))
    hosts += [h.strip().lower() for h in settings.CONNECTOR_MEDIA_HOSTS if h.strip()]
    if item.account.platform == Platform.MASTODON:
        for api_base in ConnectorConfig.objects.filter(account_id=item.account_id).values_list(
            "api_base", flat=True
        ):
            host = (urlsplit(api_base).hostname or "").lower()
            if host:
                hosts.append(host)
    return tuple(hosts)


def check_media_url(url: str, *, item: Item) -> None:
    """Raise ``MediaRefused`` unless the address is http(s) on a host of the item's platform."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise MediaRefused("not a valid address") from None
    if parts.scheme not in ("https", "http"):
        raise MediaRefused(f"not an http(s) address: {parts.scheme or '?'}")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise MediaRefused("an address without a host")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise MediaRefused(f"an IP address, not a platform host: {host}")
    if port not in (None, 80, 443) or parts.username or parts.password:
        raise MediaRefused(f"not a plain platform address: {host}")
    allowed = any(host == h or host.endswith("." + h) for h in _media_hosts(item))
    if not allowed and not is_platform_host(
        host, platform=item.account.platform, account_url=item.account.url
    ):
        raise MediaRefused(f"not a host of the platform: {host}")


# --- Downloading -------------------------------------------------------------------------------


def _open(url: str, *, item: Item) -> requests.Response:
    """GET the address, following redirects only to addresses that pass the same check."""
    for _hop in range(MAX_REDIRECTS + 1):
        check_media_url(url, item=item)
        try:
            response = requests.get(
                url,
                stream=True,
                allow_redirects=False,
                timeout=settings.CONNECTOR_HTTP_TIMEOUT,
                headers={"User-Agent": "haparanda-social media archiver"},
            )
        except requests.Timeout:
            raise MediaFailed(
                f"no answer within {settings.CONNECTOR_HTTP_TIMEOUT:g} seconds"
            ) from None
        except requests.RequestException as exc:
            raise MediaFailed(f"could not connect: {type(exc).__name__}") from None
        if response.is_redirect and response.headers.get("Location"):
            url = urljoin(url, response.headers["Location"])
            response.close()
            continue
        return response
    raise MediaFailed(f"more than {MAX_REDIRECTS} redirects")


def _sniff(head: bytes) -> str:
    """The MIME type the bytes show: ``filetype``'s signatures, then the markup a browser would
    render (SVG, HTML), text, and otherwise opaque bytes."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in start[:2048] and (start.startswith(b"<svg") or start.startswith(b"<?xml")):
        return "image/svg+xml"
    if start.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")):
        return "text/html"
    if start.startswith(b"<?xml"):
        return "application/xml"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain"


def _store(response: requests.Response) -> tuple[str, int, str]:
    """Stream the body into the media root within the size and time limits; return the SHA-256,
    size and MIME type. The file lands under its hash in one rename, so a reader never sees a
    partial file and two downloads of the same bytes end in the same file."""
    limit = settings.MEDIA_MAX_BYTES
    announced = response.headers.get("Content-Length", "")
    if announced.isdigit() and int(announced) > limit:
        raise MediaRefused(f"{int(announced)} bytes announced; the limit is {limit} bytes")
    deadline = time.monotonic() + settings.MEDIA_DOWNLOAD_SECONDS
    root = settings.MEDIA_ROOT
    tmp_dir = os.path.join(root, "tmp")
    os.makedirs(tmp_dir, exist_ok=True)
    digest, size, head = hashlib.sha256(), 0, b""
    fd, tmp_path = tempfile.mkstemp(dir=tmp_dir, prefix="download-")
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                for chunk in response.iter_content(_CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise MediaRefused(f"more than {limit} bytes; the download was stopped")
                    if time.monotonic() > deadline:
                        raise MediaFailed(
                            f"not done within {settings.MEDIA_DOWNLOAD_SECONDS} seconds"
                        )
                    if len(head) < 8192:
                        head += chunk[: 8192 - len(head)]
                    digest.update(chunk)
                    out.write(chunk)
            except requests.RequestException as exc:
                raise MediaFailed(f"interrupted: {type(exc).__name__}") from None
        sha256 = digest.hexdigest()
        final = media_file(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_path, final)
    except BaseException:
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)
        raise
    return sha256, size, _sniff(head)


def attachment_download(*, attachment_id: int) -> Attachment:
    """Download one attachment. Claimed atomically, so two workers never fetch the same one;
    the attempt is counted before the download, so a worker that dies mid-way still counts."""
    now = timezone.now()
    claimed = Attachment.objects.filter(pk=attachment_id, status__in=RETRYABLE_STATUSES).update(
        status=AttachmentStatus.DOWNLOADING, attempts=F("attempts") + 1, last_attempt_at=now
    )
    attachment = Attachment.objects.select_related("item__account").get(pk=attachment_id)
    if not claimed:
        return attachment
    fields = ["status", "error"]
    try:
        response = _open(attachment.fetch_url, item=attachment.item)
        with response:
            if response.status_code >= 400:
                raise MediaFailed(f"HTTP {response.status_code}")
            attachment.http_content_type = response.headers.get("Content-Type", "")[:200]
            fields.append("http_content_type")
            sha256, size, mime_type = _store(response)
    except MediaRefused as exc:
        attachment.status, attachment.error = AttachmentStatus.REFUSED, str(exc)[:2000]
        logger.warning("attachment %s refused: %s", attachment.pk, attachment.error)
    except MediaFailed as exc:
        attachment.status, attachment.error = AttachmentStatus.FAILED, str(exc)[:2000]
        logger.warning("attachment %s failed: %s", attachment.pk, attachment.error)
    else:
        attachment.status, attachment.error = AttachmentStatus.STORED, ""
        attachment.sha256, attachment.size, attachment.mime_type = sha256, size, mime_type
        attachment.stored_at = timezone.now()
        fields += ["sha256", "size", "mime_type", "stored_at"]
        if attachment.type_mismatch:
            logger.warning(
                "attachment %s: the server said %s, the bytes are %s",
                attachment.pk,
                attachment.http_content_type,
                mime_type,
            )
    attachment.save(update_fields=fields)
    return attachment


def attachment_retry(*, attachment: Attachment, actor: User) -> bool:
    """The communicator's retry button: a failed or refused download is tried once more (a
    refused one after the limit was raised, say)."""
    from .tasks import download_attachment

    with transaction.atomic():
        changed = Attachment.objects.filter(
            pk=attachment.pk, status__in=(AttachmentStatus.FAILED, AttachmentStatus.REFUSED)
        ).update(status=AttachmentStatus.FAILED, attempts=0)
        if not changed:
            return False
        logger.info("attachment %s retried by %s", attachment.pk, actor.get_username())
        transaction.on_commit(lambda: download_attachment.delay(attachment.pk))
    return True


def attachment_retry_failures(*, now: dt.datetime | None = None) -> int:
    """Beat's sweep for downloads: failed ones below the attempt limit, and those whose task
    was lost (still pending, or downloading for too long), are queued again. Returns how many."""
    from .tasks import download_attachment

    now = now or timezone.now()
    limit = settings.CONNECTOR_MAX_ATTEMPTS
    Attachment.objects.filter(
        status=AttachmentStatus.DOWNLOADING, last_attempt_at__lt=now - STALE_AFTER
    ).update(status=AttachmentStatus.FAILED, error="the download did not finish")
    ids = list(
        Attachment.objects.filter(
            Q(status=AttachmentStatus.FAILED, attempts__lt=limit)
            | Q(status=AttachmentStatus.PENDING, created_at__lt=now - STALE_AFTER)
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        download_attachment.delay(pk)
    return len(ids)


# --- Culling (R22) ----------------------------------------------------------------------------


def unreferenced(shas: Iterable[str]) -> set[str]:
    """Those of ``shas`` that no attachment row names any more: their files may go."""
    shas = {sha for sha in shas if sha}
    kept = set(
        Attachment.objects.filter(sha256__in=shas).values_list("sha256", flat=True).distinct()
    )
    return shas - kept


def _settle_limit(older_than: dt.timedelta | None) -> float:
    """Files modified after this (a timestamp) may be a download not yet named by its row."""
    if older_than is None:
        older_than = dt.timedelta(seconds=2 * settings.MEDIA_DOWNLOAD_SECONDS)
    return time.time() - older_than.total_seconds()


def _unlink_settled(path: Path, limit: float) -> bool:
    try:
        if path.stat().st_mtime >= limit:
            return False
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def remove_media_files(shas: Iterable[str], *, older_than: dt.timedelta | None = None) -> int:
    """Delete the stored files of ``shas`` that no attachment row names (asked again here, as a
    new attachment may have come with the same bytes since). Run after the culling commits. A
    file written within ``older_than`` may be the same bytes just downloaded again, its row not
    yet saved: it is left to ``remove_orphaned_media`` of a later run."""
    limit = _settle_limit(older_than)
    return sum(_unlink_settled(media_file(sha), limit) for sha in sorted(unreferenced(shas)))


def remove_orphaned_media(*, older_than: dt.timedelta | None = None) -> int:
    """Delete every stored file under ``MEDIA_ROOT/sha256/`` that no attachment row names: what
    a culling killed between its commit and the deletion of the files left behind. A file
    younger than ``older_than`` (a download's time limit, twice) is left alone: a download
    renames its file into place before its row names it."""
    root = Path(settings.MEDIA_ROOT) / "sha256"
    if not root.is_dir():
        return 0
    limit = _settle_limit(older_than)
    removed = 0
    batch: dict[str, Path] = {}

    def flush() -> int:
        gone = sum(_unlink_settled(batch[sha], limit) for sha in unreferenced(batch))
        batch.clear()
        return gone

    for path in root.glob("??/??/*"):
        if path.is_file() and len(path.name) == 64:
            batch[path.name] = path
            if len(batch) >= 1000:
                removed += flush()
    removed += flush()
    return removed
