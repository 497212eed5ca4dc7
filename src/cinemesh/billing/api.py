"""HTTP routes of the billing service."""

from fastapi import APIRouter

routers: tuple[APIRouter, ...] = ()
