"""HTTP routes of the catalog service, by audience: viewers, editors, images."""

from __future__ import annotations

from cinemesh.catalog.admin_api import admin
from cinemesh.catalog.browse_api import browse
from cinemesh.catalog.editing_api import editing
from cinemesh.catalog.media_api import media

# Editing before browse: `POST /api/v1/titles/import` must not be read as a title id.
routers = (editing, media, browse, admin)
