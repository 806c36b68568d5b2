"""Telling people what happened: an in-app inbox, e-mail and signed webhooks, sent over
`net`. Empty until the first of them is built; its place in the layers is kept in
pyproject.toml's import-linter contracts.

May import the ground floor, `net` and `audit`.
"""
