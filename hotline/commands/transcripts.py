"""`flask transcripts`: transcribe a file, manage Vosk models, retry and reprocess voicemails."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import click
from flask.cli import AppGroup

from hotline.extensions import db_session, now, settings
from hotline.models import RecordingStatus
from hotline.recordings import job
from hotline.recordings import queue as recording_queue
from hotline.recordings.files import NotReady
from hotline.rota.cadence import first_instant
from hotline.tasks.transcription import enqueue_download, run_job
from transcripts import AudioError, LoadedModel, ModelError, load_model, transcribe
from transcripts.audio import probe
from transcripts.evaluate import EvalRow, evaluate_manifest, manifest_clips
from transcripts.install import SMALL_CHINESE, InstallError, Progress, Unreachable, install_model
from transcripts.model import check_model_dir

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

# AppGroup: its commands push an app context themselves (also under app.test_cli_runner()).
group = AppGroup("transcripts", help="Offline voicemail transcription (Vosk).")

DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%d %H:%M"]
# The large Chinese model: more accurate, several times the memory per worker process.
LARGE_CHINESE_URL = "https://alphacephei.com/vosk/models/vosk-model-cn-0.22.zip"


def _instant(reading: datetime) -> datetime:
    """A local date or time from the command line, as an instant."""
    return first_instant(reading, ZoneInfo(settings().timezone))


def _configured_model(path: Path | None = None) -> LoadedModel:
    """The model at `path`, else the one the worker would use; a clear error if there is none."""
    config = settings()
    try:
        location = job.find_model(
            path or config.vosk_model, config.models_dir, packages=config.vosk_model_packages
        )
        if location is None:
            raise click.ClickException(
                "no Vosk model installed; see `flask --app app transcripts models`"
            )
        click.echo(f"loading model {location.path} ({location.source}) ...", err=True)
        return load_model(location.path)
    except ModelError as exc:
        raise click.ClickException(str(exc)) from exc


def _language() -> str | None:
    """The configured transcript language, or None for the model's own."""
    return settings().vosk_model_language or None


def _progress_bar(items: Sequence[int], label: str) -> ProgressBar[int]:
    """A bar on stderr naming the recording being worked on, with the time left."""
    return click.progressbar(
        items,
        label=label,
        show_eta=True,
        show_pos=True,
        item_show_func=lambda item: None if item is None else f"recording {item}",
        file=sys.stderr,
    )


@group.command("run")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--language", help="Language of the text (default: the model's).")
@click.option(
    "--vad/--no-vad",
    default=None,
    help="Decode only the speech (default: HOTLINE_TRANSCRIBE_VAD).",
)
def run(file: Path, language: str | None, vad: bool | None) -> None:
    """Transcribe an audio file: print its text, then each word with start, end, confidence."""
    try:
        # Checked before the model loads (seconds, and half a gigabyte for a large model).
        info = probe(file)
    except AudioError as exc:
        raise click.ClickException(str(exc)) from exc
    if info.truncated:
        click.echo(
            f"warning: {file.name} is truncated (its data is shorter than its header says);"
            f" transcribing the {info.duration_s:.1f} s it holds",
            err=True,
        )
    model = _configured_model()
    try:
        transcript = transcribe(
            file,
            model,
            language=language or _language(),
            vad=settings().transcribe_vad if vad is None else vad,
        )
    except AudioError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(transcript.text or "(no speech recognised)")
    click.echo(
        f"\n{transcript.model_name} ({transcript.language}): {transcript.duration_s:.1f} s of"
        f" audio, {transcript.decoded_s:.1f} s of it decoded, in"
        f" {transcript.decode_seconds:.2f} s, confidence {transcript.confidence:.2f}"
    )
    click.echo(f"{'start':>8} {'end':>8} {'conf':>5}  word")
    for word in transcript.words:
        click.echo(f"{word.start:8.2f} {word.end:8.2f} {word.confidence:5.2f}  {word.word}")


@group.command("models")
def models() -> None:
    """Show the model in use and where it was found, and the models in the models directory."""
    config = settings()
    try:
        location = job.find_model(
            config.vosk_model, config.models_dir, packages=config.vosk_model_packages
        )
    except ModelError as exc:
        raise click.ClickException(f"HOTLINE_VOSK_MODEL: {exc}") from exc
    if location is None:
        click.echo("No Vosk model: voicemails wait in `awaiting_model` until one is installed.")
        click.echo("Install the small Chinese model (pinned size and SHA-256) with:")
        click.echo("  make model    # or: flask --app app transcripts install-model")
        click.echo("or the large one, more accurate, with a digest you trust:")
        click.echo(f"  flask --app app transcripts install-model {LARGE_CHINESE_URL} --sha256 HEX")
    else:
        click.echo(f"In use: {location.path} (found by {location.source})")
    click.echo(f"Models directory: {config.models_dir}")
    entries = sorted(config.models_dir.iterdir()) if config.models_dir.is_dir() else []
    for entry in entries:
        if entry.name.startswith("."):
            continue  # install-model's work in progress
        try:
            check_model_dir(entry)
        except ModelError as exc:
            click.echo(f"  {entry.name}  (not a model: {exc})")
            continue
        used = location is not None and location.path.resolve() == entry.resolve()
        click.echo(f"  {entry.name}{'  (in use)' if used else ''}")


@group.command("install-model")
@click.argument("source", required=False)
@click.option("--sha256", help="Expected SHA-256 of the zip (published next to the download).")
@click.option("--size", type=click.IntRange(min=1), help="Expected size of the zip, in bytes.")
@click.option("--replace", is_flag=True, help="Replace a model of the same name.")
@click.option(
    "--if-missing",
    is_flag=True,
    help="Do nothing if a model is installed (HOTLINE_VOSK_MODEL or the models directory).",
)
def install(
    source: str | None, sha256: str | None, size: int | None, replace: bool, if_missing: bool
) -> None:
    """Install a model zip from a URL or a local file into the models directory; without
    SOURCE, the small Chinese model, refused unless its size and SHA-256 are the pinned ones."""
    config = settings()
    if if_missing:
        try:
            # A development package (the Korean model) does not count: it cannot hear Mandarin.
            location = job.find_model(config.vosk_model, config.models_dir, packages=False)
        except ModelError as exc:
            raise click.ClickException(f"HOTLINE_VOSK_MODEL: {exc}") from exc
        if location is not None:
            click.echo(f"A model is installed: {location.path} (nothing to do)")
            return
    if source is None:
        source, sha256, size = SMALL_CHINESE.url, SMALL_CHINESE.sha256, SMALL_CHINESE.size
    if urlsplit(source).scheme not in ("http", "https"):
        click.echo(f"installing {source} into {config.models_dir} ...")
    # A download shows its bar (from the first chunk) instead: no network is then one line.
    with contextlib.ExitStack() as stack:
        try:
            target = install_model(
                source,
                config.models_dir,
                sha256=sha256,
                size=size,
                replace=replace,
                progress=_download_bar(stack, source),
            )
        except Unreachable as exc:
            stack.close()  # end the bar's line first
            click.echo(
                f"No network: {exc}. No model installed: voicemails wait in awaiting_model"
                " until `make model` succeeds.",
                err=True,
            )
            raise SystemExit(1) from exc
        except InstallError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"installed {target.name} at {target}")
    click.echo(
        "Workers pick it up on their next voicemail; waiting ones are queued within a minute."
    )


def _download_bar(stack: contextlib.ExitStack, source: str) -> Progress:
    """A progress bar on stderr, opened with the download's first chunk."""
    bars: list[ProgressBar[int]] = []

    def advance(done: int, total: int | None) -> None:
        if not bars:
            bar: ProgressBar[int] = click.progressbar(
                length=total or 0,
                label=f"downloading {PurePosixPath(urlsplit(source).path).name}",
                show_eta=total is not None,
                file=sys.stderr,
            )
            bars.append(stack.enter_context(bar))
        bars[0].update(done - bars[0].pos)

    return advance


@group.command("retry")
@click.option("--failed", is_flag=True, help="Also retry failed recordings.")
@click.option("--since", type=click.DateTime(DATE_FORMATS), help="Only recordings from then on.")
@click.option("--inline", is_flag=True, help="Run the jobs here instead of queueing them.")
def retry(failed: bool, since: datetime | None, inline: bool) -> None:
    """Queue the job again for pending recordings (and failed ones with --failed)."""
    session = db_session()
    ids = recording_queue.reopen_for_retry(
        session,
        now(),
        settings().recordings_dir,
        include_failed=failed,
        since=_instant(since) if since else None,
    )
    session.commit()
    if not ids:
        click.echo("nothing to retry")
        return
    outcomes: dict[str, int] = {}
    label = "transcribing" if inline else "queueing"
    with _progress_bar(ids, f"{label} {len(ids)} recordings") as bar:
        for recording_id in bar:
            if inline:
                try:
                    outcome = str(run_job(recording_id, last_try=False).status)
                except NotReady:
                    outcome = "carrier not ready (retry later)"
            else:
                outcome = "queued" if enqueue_download(recording_id) else "broker unreachable"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    for outcome, count in sorted(outcomes.items()):
        click.echo(f"{count:>5}  {outcome}")


@group.command("reprocess")
@click.option(
    "--since", type=click.DateTime(DATE_FORMATS), required=True, help="Recordings from then on."
)
@click.option(
    "--model",
    "model_path",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Model directory (default: the configured model).",
)
def reprocess(since: datetime, model_path: Path | None) -> None:
    """Transcribe recordings again, e.g. with a better model; older transcripts stay as history."""
    model = _configured_model(model_path)
    session = db_session()
    ids = recording_queue.transcribed_since(session, _instant(since))
    session.rollback()
    config = settings()
    outcomes: dict[str, int] = {}
    with _progress_bar(ids, f"reprocessing {len(ids)} recordings") as bar:
        for recording_id in bar:
            result = job.retranscribe(
                session,
                recording_id,
                now,
                model,
                config.recordings_dir,
                commit=session.commit,
                vad=config.transcribe_vad,
                language=_language(),
            )
            session.commit()
            done = result.status is RecordingStatus.TRANSCRIBED
            outcome = str(result.status) if done else f"{result.status}: {result.detail}"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    for outcome, count in sorted(outcomes.items()):
        click.echo(f"{count:>5}  {outcome}")


@group.command("eval")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rate", type=int, help="With --mulaw: 8000, to score telephone-quality audio.")
@click.option("--mulaw", is_flag=True, help="With --rate 8000: degrade to 8 kHz mu-law first.")
@click.option(
    "--vad/--no-vad",
    default=None,
    help="Decode only the speech (default: HOTLINE_TRANSCRIBE_VAD).",
)
def evaluate(manifest: Path, rate: int | None, mulaw: bool, vad: bool | None) -> None:
    """Score the model on a manifest (path, lang, reference_text): CER or WER, real-time factor.
    Each clip's score is printed as soon as it is decoded; a bar on stderr shows the time left."""
    if (rate, mulaw) not in {(None, False), (8000, True)}:
        raise click.UsageError("telephone quality is --rate 8000 --mulaw together; nothing else")
    try:
        clips = manifest_clips(manifest)
    except (AudioError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    model = _configured_model()
    quality = "8 kHz mu-law" if mulaw else "as recorded"
    click.echo(f"{model.name} on {manifest.name} ({quality})")
    click.echo(f"{'error':>7} {'metric':<6} {'audio s':>8} {'decode s':>9}  path")
    # The bar advances by audio seconds, so its estimate of the time left weighs long clips.
    with click.progressbar(
        length=max(1, round(sum(c.audio_seconds for c in clips))),
        label=f"{len(clips)} clips",
        show_eta=True,
        item_show_func=lambda name: name,
        file=sys.stderr,
    ) as bar:
        names = iter([c.path for c in clips[1:]] + [None])
        bar.update(0, clips[0].path if clips else None)
        try:
            report = evaluate_manifest(
                manifest,
                model,
                telephone=mulaw,
                vad=settings().transcribe_vad if vad is None else vad,
                on_row=_print_row(lambda row: bar.update(round(row.audio_seconds), next(names))),
            )
        except (AudioError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
    for language, error in report.error_by_language.items():
        metric = next(row.metric for row in report.rows if row.lang == language)
        click.echo(f"overall {language}: {metric.upper()} {error:.1%}")
    click.echo(f"real-time factor: {report.real_time_factor:.3f} (decode s per audio s)")


def _print_row(advance: Callable[[EvalRow], None]) -> Callable[[EvalRow], None]:
    """Print one clip's score and reference and hypothesis, then move the bar on."""

    def show(row: EvalRow) -> None:
        click.echo(
            f"{row.error_rate:>7.1%} {row.metric:<6} {row.audio_seconds:>8.2f}"
            f" {row.decode_seconds:>9.2f}  {row.path}"
        )
        click.echo(f"{'':>33}ref: {row.reference}")
        click.echo(f"{'':>33}hyp: {row.hypothesis}")
        advance(row)

    return show
