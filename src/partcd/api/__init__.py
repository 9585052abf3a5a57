"""HTTP API (FastAPI): authentication and roles as dependencies, one router per area."""
