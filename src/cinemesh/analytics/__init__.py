"""Analytics service: viewing metrics, engagement and content popularity, from events into a columnar
store.
"""
