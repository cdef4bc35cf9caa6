"""Connectors for regional systems and notification consumers."""
