"""Publishing: which claims and articles are public, and the ClaimReview structured data
(schema.org) of the public pages and the feed search engines read.

May import the ground floor, `audit`, `crossref` (which pages are cited) and `review`.
"""
