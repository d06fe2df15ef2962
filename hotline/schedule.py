"""Every periodic job of the hotline, in one place (Celery beat)."""

from __future__ import annotations

from typing import Any

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # A call whose final status callback was lost still gets its ticket.
    # SQLite only: keeps the write-ahead log short without a webhook paying for it.
    "database-checkpoint": {"task": "hotline.tasks.calls.checkpoint_wal", "schedule": 30.0},
    "calls-settle-stale": {"task": "hotline.tasks.calls.settle_stale_calls", "schedule": 600.0},
    # What the carrier knows and our webhooks missed (a lost callback, a call while we were
    # down) is filled in within minutes: each run reads the last two hours of its records.
    "calls-reconcile": {"task": "hotline.tasks.calls.reconcile_recent", "schedule": 300.0},
    # A call that found nobody on duty is news for supervisors within the minute.
    "calls-alert-unstaffed": {
        "task": "hotline.tasks.calls.alert_unstaffed_calls",
        "schedule": 60.0,
    },
    # Reminders and handoffs are due at minute precision; each run holds a lease.
    "rota-send-due-reminders": {"task": "hotline.tasks.rota.send_due_reminders", "schedule": 60.0},
    # Gaps are looked for 72 hours ahead, so every 10 minutes is prompt enough.
    "rota-check-coverage": {"task": "hotline.tasks.rota.check_coverage", "schedule": 600.0},
    # The clock's warnings (80% of a ticket's promised time) and breaches, each once per ticket.
    "tickets-sweep-sla": {"task": "hotline.tasks.tickets.sweep_sla", "schedule": 60.0},
    # The KPI page reads stored reports of months, quarters and years (fresh for 15 minutes
    # until a period is final): each run recomputes the current ones, past ones once.
    "tickets-snapshot-kpi": {"task": "hotline.tasks.tickets.snapshot_kpi", "schedule": 300.0},
    # Residents are asked for a score some minutes after resolution; each ticket once.
    "dispatch-send-surveys": {"task": "hotline.tasks.dispatch.send_surveys", "schedule": 60.0},
    # Where configured, the same question by phone (one call per ticket, claimed like the SMS).
    "calls-survey-calls": {"task": "hotline.tasks.calls.survey_calls", "schedule": 60.0},
    # A technician's job SMS whose task was lost (broker down at assignment) goes out late.
    "dispatch-resend-assignments": {
        "task": "hotline.tasks.dispatch.resend_assignments",
        "schedule": 120.0,
    },
    # Urgent voicemail alerts whose task was lost (or never queued) go out within 30 seconds.
    "triage-sweep-escalations": {
        "task": "hotline.tasks.triage.sweep_escalations",
        "schedule": 30.0,
    },
    # Voicemail audio past HOTLINE_RECORDING_RETENTION_DAYS (reviewed ones) is deleted, each
    # recording once and audited; hourly is prompt for a rule counted in days.
    "recordings-retention": {
        "task": "hotline.tasks.retention.delete_expired_audio",
        "schedule": 3600.0,
    },
    # Voicemails left behind (broker down, worker lost, model installed since) are queued again.
    # The sweep itself only queues jobs, so it stays off the busy transcription queue.
    "transcription-sweep": {
        "task": "hotline.tasks.transcription.sweep_recordings",
        "schedule": 60.0,
        "options": {"queue": "default"},
    },
}
