"""The MCP server: coldcraft's HTTP API as tools, resources and prompts for agents.

A thin adapter: every tool calls the HTTP API (over the network, or in-process through
httpx's ASGI transport), so the API's rules, ownership and key scopes hold unchanged.
"""
