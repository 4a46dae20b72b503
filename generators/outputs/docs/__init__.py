"""docs/: runbooks for every alert and the signal reference."""
