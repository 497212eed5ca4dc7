"""The proxy: the gateway's request path (route, authenticate, rate-limit, forward through each
upstream's breaker and bulkhead) and the sub-requests its composed pages make through it.

HTTP by nature: its own answers (401, 404 no route, 429, 502, 503, 504) are problem responses
written at the ASGI level, so it sits on the HTTP side; the composed pages (`service.py`) read
the services through it as a service reads its store.
"""
