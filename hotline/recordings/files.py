"""The recordings store and what a download can end in: the stored file, or why there is none.
Files reach the store whole or not at all (`written_atomically`), recordings and photos alike."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from hotline.models import Recording


class FetchError(Exception):
    """A recording could not be downloaded."""


class NotReady(FetchError):
    """The carrier has no file yet (404), is failing (5xx), slow or unreachable: try again later."""


class DownloadFailed(FetchError):
    """The download can never work (refused, not the carrier's host, too large, not audio):
    retrying won't help."""


@dataclass(frozen=True)
class StoredFile:
    """A downloaded file in its final place."""

    path: Path
    sha256: str
    size_bytes: int


def storage_path(recording: Recording) -> Path:
    """Where a recording is kept, relative to the recordings directory: <yyyy>/<mm>/<sid>.wav."""
    return Path(f"{recording.created_at:%Y}", f"{recording.created_at:%m}") / (
        recording.recording_sid + ".wav"
    )


def stored_audio(recording: Recording, recordings_dir: Path) -> Path | None:
    """The recording's file in the store, if it is there whole."""
    if recording.local_path is None:
        return None
    path = recordings_dir / recording.local_path
    return path if path.is_file() and path.stat().st_size == recording.size_bytes else None


@contextmanager
def written_atomically(dest: Path) -> Iterator[BinaryIO]:
    """A file to write `dest` through: it appears at `dest` whole, synced to disk, when the
    block ends, and not at all if the block raises."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Same directory as dest, so the rename is atomic; the dot keeps it out of directory listings.
    fd, temp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        temp.replace(dest)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    # The rename is only durable once the directory entry itself reaches the disk.
    directory = os.open(dest.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
