"""Where the numbers act: a budget guard around the Anthropic SDK (budget.py: reserve, settle,
release; bound.py: what a request may cost and did cost; wrap.py: the guarded client; alerts.py:
threshold webhooks). Above estimating and engines, below the commands."""
