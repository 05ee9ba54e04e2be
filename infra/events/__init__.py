"""Events on Redis Streams: the outbox relay, consumer groups, and their health (lag, dead letters)."""
