"""Articles: taken in (`intake`: pasted, uploaded or fetched, checked, stored once), split
into claims (`splitting`: the article's small state machine), laid out with their claims
highlighted (`highlight`), and given the one JSON shape the API and the CLI share
(`serialize`).

May import the ground floor, `net`, `outlets`, `extract`, `crossref` (each claim's
outcomes in its JSON), `audit` and `review`.
"""
