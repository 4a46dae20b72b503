"""Stage 2, model: map the validated spec once onto frozen dataclasses; the names that cross modules live here."""
