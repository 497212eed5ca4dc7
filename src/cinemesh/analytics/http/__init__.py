"""HTTP routes of the analytics service: one module per resource, each exposing `router`.

The skeleton has no resource yet; its issue adds them (and deps.py, schemas.py, problems.py).
"""

from fastapi import APIRouter

ROUTERS: tuple[APIRouter, ...] = ()
