"""Kafka adapters: topic definitions, provisioning, the local broker, clients."""
