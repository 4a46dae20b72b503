"""Stage 4, pipeline: spec -> model -> documents -> bytes -> scratch tree -> validators -> swap."""
