"""The web app: the single-page front end served by the gateway for every path it does not route.

It imports only `cinemesh.platform` and talks to the services over HTTP like any other client.
"""

from cinemesh.web.app import WebApp, build_web_app

__all__ = ["WebApp", "build_web_app"]
