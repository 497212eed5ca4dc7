"""HTTP routes of the delivery service."""

from fastapi import APIRouter

routers: tuple[APIRouter, ...] = ()
