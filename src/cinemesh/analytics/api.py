"""HTTP routes of the analytics service."""

from fastapi import APIRouter

routers: tuple[APIRouter, ...] = ()
