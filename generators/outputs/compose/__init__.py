"""compose/: the docker-compose stack, hardened, with the exporters the spec monitors."""
