"""The carrier's messaging webhook: SMS to the line (technicians' commands, survey replies)."""
