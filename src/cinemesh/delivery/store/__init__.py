"""Delivery's tables (`tables`: projections of other services' events, sessions, content keys)
and the queries on them (`queries.DeliveryStore`)."""
