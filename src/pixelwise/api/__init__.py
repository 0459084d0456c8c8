"""HTTP API: routers parse a request, call one service function and return a schema."""
