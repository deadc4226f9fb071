"""Okno queue server: domain rules, storage, command handlers, HTTP + WebSocket API."""
