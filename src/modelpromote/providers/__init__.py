"""The only modules that touch the outside world: files, GitHub, Prometheus, webhooks."""
