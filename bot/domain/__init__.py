"""The pool's rules and use cases. Imports storage; never a chat SDK."""
