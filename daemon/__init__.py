"""The scheduler face: the lifecycle daemon (see docs/architecture.md)."""
