"""`coldcraft eval`: a shipped golden set run through the framework chat and the writer.

Pure of the database, the web framework and the worker (it may import config, llm,
skeletons, research and context.judge): the eval runs anywhere the models run.
- golden.py: the golden set (package data in `golden/`): leads, sites, briefs;
- runner.py: one configuration over the set (skeleton per brief, one draft per lead);
- metrics.py: each draft's measures and the report's summaries;
- compare.py: two runs side by side, the paired differences and their uncertainty;
- report.py: the report as JSON and as a plain-text table.
"""
