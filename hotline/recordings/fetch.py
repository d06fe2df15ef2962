"""Download a recording from the carrier into the recordings store, atomically (adapter)."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, urljoin, urlsplit

import requests
import urllib3

from hotline.recordings.files import DownloadFailed, NotReady, StoredFile, written_atomically

logger = logging.getLogger(__name__)

# (connect, read) seconds; the read timeout bounds each wait for bytes, MediaPolicy.max_seconds
# the whole download.
DOWNLOAD_TIMEOUT = (5.0, 30.0)
_CHUNK_BYTES = 64 * 1024
# A carrier may hand the media to a CDN; more hops than this is a loop.
MAX_REDIRECTS = 3
# What audio files start with: WAV (RIFF/RF64 ... WAVE), FLAC, Ogg, MP3 with an ID3 tag.
_AUDIO_MAGIC = (b"RIFF", b"RF64", b"fLaC", b"OggS", b"ID3")
_MAGIC_BYTES = 12


@dataclass(frozen=True)
class MediaPolicy:
    """Where recordings may come from and how much of them to take."""

    # host or host:port entries; only these get the carrier's credentials.
    hosts: tuple[str, ...]
    auth: tuple[str, str] | None
    allow_http: bool = False
    max_bytes: int = 20_000_000
    max_seconds: float = 120.0
    timeout: tuple[float, float] = DOWNLOAD_TIMEOUT

    def trusts(self, url: SplitResult) -> bool:
        """True if `url` is on one of the carrier's media hosts; an entry without a port
        stands for the scheme's default port."""
        default = 443 if url.scheme == "https" else 80
        port = url.port or default
        return any(
            url.hostname == allowed.hostname and port == (allowed.port or default)
            for allowed in (urlsplit(f"//{entry}") for entry in self.hosts)
        )


def media_url(recording_url: str) -> str:
    """The WAV file of a recording: the carrier's RecordingUrl names it without an extension."""
    return recording_url if recording_url.endswith(".wav") else recording_url + ".wav"


def _display(url: str) -> str:
    # Never log a query string: signed media URLs carry their token there.
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]  # nor credentials someone put in the URL
    return f"{parts.scheme}://{host}{parts.path}"


def _checked(url: str, policy: MediaPolicy) -> SplitResult:
    """`url` parsed, if it may be fetched at all; DownloadFailed names what is wrong."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:
        raise DownloadFailed("RecordingUrl is not a valid URL") from None
    schemes = ("https", "http") if policy.allow_http else ("https",)
    if parts.scheme not in schemes:
        raise DownloadFailed(
            f"RecordingUrl scheme {parts.scheme or '(none)'!r} is not allowed"
            f" ({' or '.join(schemes)} only)"
        )
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise DownloadFailed("RecordingUrl has no host, or carries credentials of its own")
    return parts


def download(recording_url: str, dest: Path, policy: MediaPolicy) -> StoredFile:
    """Fetch RecordingUrl + .wav from a carrier media host into `dest`: temp file beside it,
    fsync, rename; hash and size. Redirects are followed, with credentials only to the
    carrier's own hosts."""
    url = media_url(recording_url)
    parts = _checked(url, policy)
    if not policy.trusts(parts):
        raise DownloadFailed(
            f"RecordingUrl host {parts.netloc!r} is not a carrier media host"
            " (HOTLINE_CARRIER_MEDIA_HOSTS)"
        )
    deadline = time.monotonic() + policy.max_seconds
    connect, read = policy.timeout
    timeout = (connect, min(read, policy.max_seconds))
    try:
        with requests.Session() as http:
            for _ in range(MAX_REDIRECTS + 1):
                auth = policy.auth if policy.trusts(parts) else None
                response = http.get(
                    url, auth=auth, stream=True, timeout=timeout, allow_redirects=False
                )
                with response:
                    if response.is_redirect:
                        url = urljoin(url, response.headers["Location"])
                        parts = _checked(url, policy)
                        continue
                    _check_response(response, url, policy)
                    return _store(response, dest, policy, deadline, url)
            raise DownloadFailed(f"more than {MAX_REDIRECTS} redirects from {_display(url)}")
    except requests.RequestException as exc:
        # Connection refused, timeouts, a connection cut mid-body: the carrier may be back soon.
        raise NotReady(f"{type(exc).__name__} from {_display(url)}") from exc


def _check_response(response: requests.Response, url: str, policy: MediaPolicy) -> None:
    """Raise unless `response` is a 200 that may be audio within the size limit."""
    status = response.status_code
    if status == 404 or status >= 500:
        raise NotReady(f"HTTP {status} from {_display(url)}")
    if status >= 300:
        raise DownloadFailed(f"HTTP {status} from {_display(url)}")
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > policy.max_bytes:
        raise DownloadFailed(
            f"{_display(url)} is {int(length)} bytes, over the limit of {policy.max_bytes}"
        )
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type.startswith("text/") or content_type.endswith(("json", "xml")):
        raise DownloadFailed(f"{_display(url)} is not audio (Content-Type {content_type})")


def _chunks(
    response: requests.Response, deadline: float, policy: MediaPolicy, url: str
) -> Iterator[bytes]:
    """The body as it arrives (read1 returns what is there, not a full chunk), until the
    deadline: a server trickling bytes cannot hold the job for ever."""
    while True:
        if time.monotonic() > deadline:
            raise NotReady(f"{_display(url)} took over {policy.max_seconds:g} s to download")
        try:
            chunk = response.raw.read1(_CHUNK_BYTES, decode_content=True)
        except urllib3.exceptions.HTTPError as exc:
            # A connection cut mid-body (fewer bytes than announced), a read timeout.
            raise NotReady(f"{type(exc).__name__} from {_display(url)}") from exc
        if not chunk:
            return
        yield chunk


def _is_audio(head: bytes) -> bool:
    """True if `head` begins like an audio file (an MPEG frame sync counts for MP3)."""
    return head.startswith(_AUDIO_MAGIC) or (
        len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
    )


def _store(
    response: requests.Response, dest: Path, policy: MediaPolicy, deadline: float, url: str
) -> StoredFile:
    """Write the body next to `dest` and rename it into place only once it is complete, whole
    and audio; stop at the size limit or the deadline."""
    digest = hashlib.sha256()
    size = 0
    with written_atomically(dest) as out:
        head = b""
        for chunk in _chunks(response, deadline, policy, url):
            if len(head) < _MAGIC_BYTES:
                head += chunk[: _MAGIC_BYTES - len(head)]
                if len(head) == _MAGIC_BYTES and not _is_audio(head):
                    raise DownloadFailed(f"{_display(url)} is not audio (starts {head!r})")
            size += len(chunk)
            if size > policy.max_bytes:
                raise DownloadFailed(
                    f"{_display(url)} is over the limit of {policy.max_bytes} bytes"
                )
            out.write(chunk)
            digest.update(chunk)
        if not _is_audio(head):
            raise DownloadFailed(f"{_display(url)} is not audio (starts {head!r})")
    logger.info("stored %s (%d bytes)", dest, size)
    return StoredFile(dest, digest.hexdigest(), size)
