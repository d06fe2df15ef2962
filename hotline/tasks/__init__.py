"""Celery tasks: thin callers of domain functions, idempotent, acks_late, bounded retries.

Every task's name is pinned (`name=`): beat, the queue routes and messages already queued refer
to tasks by name, so moving a function or module must never rename its task.
"""
