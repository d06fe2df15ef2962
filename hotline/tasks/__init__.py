"""Celery tasks: thin callers of domain functions, idempotent, acks_late, bounded retries."""
