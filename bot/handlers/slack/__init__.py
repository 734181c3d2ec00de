"""The Slack surface: Block Kit rendering of the neutral messages and the outbox deliverer."""
