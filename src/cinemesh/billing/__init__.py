"""Billing and subscriptions service: plans, subscriptions, trials, renewals, invoices; it will own the
subscription projection users shows.
"""
