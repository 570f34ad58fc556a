"""The coordination service's HTTP API (FastAPI). JSON under ``/v1/``, the dashboard at ``/``."""
