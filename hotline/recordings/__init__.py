"""Voicemail recordings on their way to a transcript.

`files` (the store, and what a download ends in), `lease` (which job may decode, until when),
`queue` (which recordings need a job), `job` (download, then transcribe) and `fetch` (the
carrier download adapter, built by the tasks). Nothing is re-exported: import the module you
need, so the web side loads no more than it uses.
"""
