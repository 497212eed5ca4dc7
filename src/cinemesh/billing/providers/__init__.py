"""Payment providers behind the port of `domain.payments`: the sandbox (test mode, for
self-hosters, the demo and the tests)."""
