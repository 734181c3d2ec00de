"""The console surface: the embedded default, and how most tests drive the bot."""
