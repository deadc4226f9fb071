"""Okno queue server: domain rules, storage, command handlers, HTTP + WebSocket API."""

__version__ = "0.1.0"
