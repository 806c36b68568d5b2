"""What editors read: the verification report of an article (`verification`; the web
tier renders it as a page and as PDF) and the dashboard's figures (`dashboard`).

May import the ground floor, `crossref` (what each hint means) and `review`.
"""
