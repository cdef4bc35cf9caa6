"""Stream wiring: the Faust application, its agents, and the services around them."""
