"""Okno wire contract: events, messages, encode/decode, the async client session."""
