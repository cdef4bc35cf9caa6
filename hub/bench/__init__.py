"""Benchmarks of the hub, each printing one JSON line (run with ./deploy/bench NAME)."""
