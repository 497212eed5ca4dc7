"""Identity: accounts, credentials, tokens, signing keys and social login."""
