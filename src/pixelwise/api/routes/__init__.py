"""One router module per resource; `ROUTERS` is what the app mounts."""
