"""Use cases of identity: registration, login, tokens, mail links, social login."""
