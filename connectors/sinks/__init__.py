"""Notification and register sinks: webhook, email and a PostgreSQL copy of the central register."""
