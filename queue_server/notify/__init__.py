"""Notices to visitors and outside systems: e-mail (SMTP), SMS (HTTP gateway), signed webhooks."""
