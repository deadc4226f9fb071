"""Command handlers (one transaction each) and the event hub."""
