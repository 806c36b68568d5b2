"""The news outlets factcheck knows: who they are, and where their stories can be found.

`registry` is plain data read from the shipped `outlets.toml` and an optional file of the
newsroom's (names, other names, domains, feeds, sitemaps, search pages) and the name
matcher the extractor uses; it imports nothing of the project. `edits` keeps the
newsroom's changes to the registry in the database and may use the ground floor and
`audit`.
"""
