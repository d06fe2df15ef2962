"""Operations: what /healthz, /readyz and /metrics report (health facts, heartbeats, the line's
gauges), computed from the database and plain values; no web or queue code."""
