"""Company research: safe fetching of a prospect's company pages and facts from them.

Pure of the web framework and the database (docs/research.md): `fetch` (the safety rules),
`targets` (which domain, which URLs), `facts` (offline extraction, a page's visible text,
untrusted text cleaned), `extract` (a model's facts, each checked against the page),
`service` (`research_company`, with an in-memory cache per domain). The database cache is
`coldcraft.companies`.
"""
