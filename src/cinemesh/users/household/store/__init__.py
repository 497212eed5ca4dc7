"""The household's tables and the queries on them."""
