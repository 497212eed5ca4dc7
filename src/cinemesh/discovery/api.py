"""HTTP routes of the discovery service."""

from fastapi import APIRouter

routers: tuple[APIRouter, ...] = ()
