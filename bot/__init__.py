"""The Slack face: command parser, dispatcher, listeners and the console (see docs/architecture.md)."""
