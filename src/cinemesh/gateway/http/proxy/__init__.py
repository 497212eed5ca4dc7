"""The proxy: the gateway's request path (route, authenticate, rate-limit, forward through each
upstream's breaker and bulkhead), pure ASGI.

HTTP by nature, hence under http/: its own answers (401, 404 no route, 429, 502, 503, 504) are
about the request, not a rule, and are written as problems at the ASGI level. The pages the
gateway composes (`service.py`) call it as an ASGI app through `subrequest.py`.
"""
