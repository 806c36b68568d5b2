"""Running factcheck: metrics an operator watches (queue depth, task durations, fetch
failures by outlet) and logging. Empty until the first of them is built; its place in the
layers is kept in pyproject.toml's import-linter contracts.

May import the ground floor only; every area may report to it.
"""
