"""Install a Vosk model zip (from an http(s) URL or a local file) into the models directory."""

from __future__ import annotations

import hashlib
import logging
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import requests

from transcripts.model import ModelError, check_model_dir

logger = logging.getLogger(__name__)

# (connect, read) seconds; the read timeout is per chunk, so a 1.3 GB model can take its time.
DOWNLOAD_TIMEOUT = (10.0, 60.0)
_CHUNK_BYTES = 1 << 20


# (bytes so far, bytes expected or None): told after each chunk of a download.
Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class PinnedModel:
    """A model zip known by its URL, size and SHA-256 (alphacephei.com publishes no digests:
    these are of a download we trust)."""

    url: str
    size: int
    sha256: str

    @property
    def name(self) -> str:
        """The model's folder name, as its zip unpacks it."""
        return PurePosixPath(urlsplit(self.url).path).stem


# The hotline's model: Mandarin, 8 kHz-friendly, about 300 MB in memory per worker process.
SMALL_CHINESE = PinnedModel(
    "https://alphacephei.com/vosk/models/vosk-model-small-cn-0.22.zip",
    43_898_754,
    "3af8b0e7e0f835ae9d414ce5df580237a3cfb08d586c9fbbb0f7ff29ad5b14ba",
)


class InstallError(Exception):
    """The model could not be downloaded, verified, unpacked or put in place."""


class Unreachable(InstallError):
    """The download's host could not be reached at all (no network, no DNS, refused)."""


def install_model(
    source: str,
    models_dir: Path,
    *,
    sha256: str | None = None,
    size: int | None = None,
    replace: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Install a model zip from a URL or local path into models_dir; return the model's folder.
    With `size` and `sha256`, a zip of another size or digest is refused before it is unpacked
    (a download is cut off as soon as it runs over `size`)."""
    models_dir.mkdir(parents=True, exist_ok=True)
    # Work inside models_dir so the final rename stays on one filesystem (atomic). The leading dot
    # keeps resolve_model from picking a half-unpacked model.
    with tempfile.TemporaryDirectory(dir=models_dir, prefix=".install-") as scratch:
        work = Path(scratch)
        if urlsplit(source).scheme in ("http", "https"):
            archive = _download(source, work / "download.zip", size, progress)
            fallback_name = PurePosixPath(urlsplit(source).path).stem
        else:
            archive = Path(source)
            fallback_name = archive.stem
            if not archive.is_file():
                raise InstallError(f"{source}: no such file")
        if size is not None:
            _verify_size(archive.name, archive.stat().st_size, size)
        if sha256 is not None:
            _verify_sha256(archive, sha256)
        root = _unpack(archive, work / "unpacked", fallback_name)
        try:
            check_model_dir(root)
        except ModelError as exc:
            raise InstallError(f"{_display(source)} does not contain a Vosk model: {exc}") from exc
        target = models_dir / root.name
        if target.exists():
            if not replace:
                raise InstallError(f"{target} already exists (pass replace=True to overwrite)")
            # Moved into the scratch dir, so the old model is deleted with it on the way out.
            target.rename(work / "replaced")
        root.rename(target)
    logger.info("installed model %s from %s", target, _display(source))
    return target


def _display(source: str) -> str:
    # A download URL may carry credentials in its query string or user part; never log them.
    parts = urlsplit(source)
    if parts.scheme in ("http", "https"):
        return f"{parts.scheme}://{parts.hostname}{parts.path}"
    return source


def _download(url: str, dest: Path, size: int | None, progress: Progress | None) -> Path:
    """Stream `url` into `dest` (inside the scratch directory, removed with it on failure)."""
    try:
        with requests.get(url, stream=True, timeout=DOWNLOAD_TIMEOUT) as response:
            if not response.ok:
                raise InstallError(
                    f"download of {_display(url)} failed: HTTP {response.status_code}"
                )
            announced = response.headers.get("Content-Length", "")
            if size is not None and announced.isdigit():
                _verify_size(_display(url), int(announced), size)
            expected = size or (int(announced) if announced.isdigit() else None)
            done = 0
            with dest.open("wb") as out:
                for chunk in response.iter_content(_CHUNK_BYTES):
                    done += len(chunk)
                    if size is not None and done > size:
                        raise InstallError(
                            f"{_display(url)}: over {size:,} bytes, expected {size:,}"
                        )
                    out.write(chunk)
                    if progress is not None:
                        progress(done, expected)
    except (requests.ConnectionError, requests.ConnectTimeout) as exc:
        # Only the class name: str(exc) repeats the whole URL, query string included.
        raise Unreachable(f"cannot reach {urlsplit(url).hostname} ({type(exc).__name__})") from exc
    except requests.RequestException as exc:
        raise InstallError(f"download of {_display(url)} failed: {type(exc).__name__}") from exc
    if size is not None:
        _verify_size(_display(url), done, size)
    return dest


def _verify_size(what: str, actual: int, expected: int) -> None:
    if actual != expected:
        raise InstallError(f"{what}: {actual:,} bytes, expected {expected:,}")


def _verify_sha256(archive: Path, expected: str) -> None:
    digest = hashlib.sha256()
    with archive.open("rb") as f:
        while chunk := f.read(_CHUNK_BYTES):
            digest.update(chunk)
    if digest.hexdigest() != expected.strip().lower():
        raise InstallError(
            f"{archive.name}: sha256 is {digest.hexdigest()}, expected {expected.strip().lower()}"
        )


def _unpack(archive: Path, dest: Path, fallback_name: str) -> Path:
    """Extract the zip and return the model folder: its one top-level folder, or a named one."""
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                _refuse_unsafe(member)
            zf.extractall(dest)
    except zipfile.BadZipFile as exc:
        raise InstallError(f"{archive.name}: not a zip file ({exc})") from exc
    # Archives made on macOS carry a __MACOSX folder of resource forks beside the real content.
    entries = [entry for entry in dest.iterdir() if entry.name != "__MACOSX"]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    # Files at the top level: name the model after the archive, as unzipping by hand would.
    if not fallback_name or fallback_name.startswith("."):
        raise InstallError(f"{archive.name}: no folder inside and no usable name for one")
    root = dest.parent / "named" / fallback_name
    root.parent.mkdir()
    return dest.rename(root)


def _refuse_unsafe(member: str) -> None:
    # zipfile would quietly rewrite these names; a model archive that has them is not to be trusted.
    path = PurePosixPath(member.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or ":" in member:
        raise InstallError(f"unsafe path in archive: {member!r}")
