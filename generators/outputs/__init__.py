"""Stage 3, outputs: pure functions from the model to documents, one package per target."""
