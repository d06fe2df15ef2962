"""Download a recording from the carrier into the recordings store, atomically (adapter)."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

logger = logging.getLogger(__name__)

# (connect, read) seconds; the read timeout bounds each wait for bytes, not the whole download.
DOWNLOAD_TIMEOUT = (5.0, 30.0)
_CHUNK_BYTES = 64 * 1024


class FetchError(Exception):
    """A recording could not be downloaded."""


class NotReady(FetchError):
    """The carrier has no file yet (404), is failing (5xx) or unreachable: try again later."""


class DownloadFailed(FetchError):
    """The carrier refused the download (bad credentials, gone for good): retrying won't help."""


@dataclass(frozen=True)
class StoredFile:
    """A downloaded file in its final place."""

    path: Path
    sha256: str
    size_bytes: int


def media_url(recording_url: str) -> str:
    """The WAV file of a recording: the carrier's RecordingUrl names it without an extension."""
    return recording_url if recording_url.endswith(".wav") else recording_url + ".wav"


def _display(url: str) -> str:
    # Never log a query string: signed media URLs carry their token there.
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def download(
    recording_url: str,
    dest: Path,
    *,
    auth: tuple[str, str] | None,
    timeout: tuple[float, float] = DOWNLOAD_TIMEOUT,
) -> StoredFile:
    """Fetch RecordingUrl + .wav into `dest`: temp file beside it, fsync, rename; hash and size."""
    url = media_url(recording_url)
    try:
        with requests.get(url, auth=auth, stream=True, timeout=timeout) as response:
            status = response.status_code
            if status == 404 or status >= 500:
                raise NotReady(f"HTTP {status} from {_display(url)}")
            if status >= 400:
                raise DownloadFailed(f"HTTP {status} from {_display(url)}")
            return _store(response, dest)
    except requests.RequestException as exc:
        # Connection refused, timeouts, a connection cut mid-body: the carrier may be back soon.
        raise NotReady(f"{type(exc).__name__} from {_display(url)}") from exc


def _store(response: requests.Response, dest: Path) -> StoredFile:
    """Write the body next to `dest` and rename it into place only once it is complete."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    # Same directory as dest, so the rename is atomic; the dot keeps it out of directory listings.
    fd, temp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in response.iter_content(_CHUNK_BYTES):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        temp.replace(dest)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(dest.parent)
    logger.info("stored %s (%d bytes)", dest, size)
    return StoredFile(dest, digest.hexdigest(), size)


def _fsync_dir(directory: Path) -> None:
    # The rename is only durable once the directory entry itself reaches the disk.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
