"""Stage 1, spec: read monitoring.yaml with the position of every value, check it against the schema, refuse secrets."""
