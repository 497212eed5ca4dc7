"""Users service: identity, credentials, tokens and the account document."""
