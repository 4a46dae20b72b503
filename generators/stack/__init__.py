"""Running the stack, apart from rendering: the native demo on loopback, notification sinks, secrets and reload."""
