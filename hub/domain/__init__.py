"""Pure domain logic: passports, validation, register state, matching. No Kafka, Faust or Prometheus."""
