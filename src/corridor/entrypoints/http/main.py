"""The ASGI factory uvicorn workers import: settings from ``CORRIDOR_*`` environment variables."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from corridor.bootstrap import bootstrap
from corridor.entrypoints.http.app import create_app
from corridor.settings import load_settings


def create_from_env() -> FastAPI:
    """Each worker builds its own engine and bus; the parent process has already migrated."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return create_app(bootstrap(load_settings(), migrate=False))
