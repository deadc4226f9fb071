"""FastAPI routers: HTTP + WebSocket, auth, problem JSON."""
