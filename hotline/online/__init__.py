"""Residents online: `verification` (one-time SMS codes), `submission` (a web ticket),
`my_tickets` (a resident's tickets and what they may do to them), `blocking` (barred numbers)."""
