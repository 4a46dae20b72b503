"""`python -m generators diff`: what a spec change does, in the terms a reviewer uses (docs/review.md).

sources.py reads both specs and renders them, places.py finds where each change lands in the rendered
documents, alerts.py / routing.py / dashboards.py / slos.py compare the two sides, report.py writes Markdown.
"""
