"""HTTP routes of the catalog service, by audience: viewers, editors, images."""

from __future__ import annotations

from cinemesh.catalog.admin_api import admin
from cinemesh.catalog.browse_api import browse
from cinemesh.catalog.editing_api import editing
from cinemesh.catalog.import_api import imports
from cinemesh.catalog.media_api import media

# Imports and editing before browse: `/api/v1/titles/import...` must not be read as a title id.
routers = (imports, editing, media, browse, admin)
