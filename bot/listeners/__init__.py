"""Slack listeners, one module per surface (commands, actions, views, home).

Each is a class whose bound methods bolt calls; they share one `Face` (services,
dispatcher, worker pool, who-is-calling). Listeners ack at once and leave RunPod to the
worker pool.
"""
