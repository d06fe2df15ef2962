"""Offline voicemail transcription with Vosk: a plain library, no web, queue or carrier code."""

from transcripts.audio import AudioError
from transcripts.model import (
    InvalidModel,
    LoadedModel,
    ModelError,
    ModelLocation,
    ModelNotFound,
    load_model,
    resolve_model,
)
from transcripts.transcribe import Transcript, Word, normalize_text, transcribe

__all__ = [
    "AudioError",
    "InvalidModel",
    "LoadedModel",
    "ModelError",
    "ModelLocation",
    "ModelNotFound",
    "Transcript",
    "Word",
    "load_model",
    "normalize_text",
    "resolve_model",
    "transcribe",
]
