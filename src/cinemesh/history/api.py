"""HTTP routes of the history service."""

from fastapi import APIRouter

routers: tuple[APIRouter, ...] = ()
