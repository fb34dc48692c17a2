"""The studio: the web app served at `/` (server-rendered pages over the domain services)."""
