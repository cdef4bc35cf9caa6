"""Prometheus metrics: the sensor that feeds them and the /metrics endpoint."""
