"""Celery tasks are found by their pinned names; the web side starts without the speech stack."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from flask import Flask

from hotline.schedule import BEAT_SCHEDULE
from hotline.tasks.transcription import process_recording

ROOT = Path(__file__).resolve().parents[1]
PROCESS_RECORDING = "hotline.tasks.transcription.process_recording"


def test_every_scheduled_task_and_the_transcription_job_are_registered(app: Flask) -> None:
    celery = app.extensions["celery"]
    celery.loader.import_default_modules()  # what a worker does when it starts
    wanted = {entry["task"] for entry in BEAT_SCHEDULE.values()} | {PROCESS_RECORDING}
    assert wanted - set(celery.tasks) == set()
    assert process_recording.name == PROCESS_RECORDING
    assert celery.amqp.router.route({}, PROCESS_RECORDING)["queue"].name == "transcription"


def test_every_task_pins_its_name() -> None:
    # Beat, the queue routes and messages already queued name tasks; a module move must not.
    tasks: dict[str, bool] = {}
    for path in (ROOT / "hotline" / "tasks").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if "shared_task" in ast.unparse(decorator):
                    tasks[f"{path.stem}.{node.name}"] = isinstance(decorator, ast.Call) and any(
                        keyword.arg == "name" for keyword in decorator.keywords
                    )
    assert PROCESS_RECORDING.removeprefix("hotline.tasks.") in tasks
    assert [task for task, named in tasks.items() if not named] == []


def test_the_web_side_starts_without_the_speech_stack(tmp_path: Path) -> None:
    # The app imports the transcription task (webhooks queue it) and the transcripts CLI group,
    # yet Vosk and NumPy load only in a worker that decodes.
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from hotline import create_app\n"
        "from tests.conftest import make_settings\n"
        f"tmp = Path({str(tmp_path)!r})\n"
        "app = create_app(make_settings(f'sqlite:///{tmp}/hotline.db', tmp))\n"
        "assert 'hotline.tasks.transcription' in sys.modules\n"
        "assert 'hotline.commands.transcripts' in sys.modules\n"
        "print('vosk' in sys.modules, 'numpy' in sys.modules)\n"
    )
    out = subprocess.run(  # noqa: S603  (our own interpreter)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "False False"
