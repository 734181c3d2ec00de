"""The command table and parser shared by every chat surface, and one folder per surface."""
