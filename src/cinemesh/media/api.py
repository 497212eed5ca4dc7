"""HTTP routes of the media service."""

from fastapi import APIRouter

routers: tuple[APIRouter, ...] = ()
