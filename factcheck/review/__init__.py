"""The review queue: `queue` reads it (filters, counts, pages, the order reviewers get
claims in); `rules` writes it (leases, verdicts, undo, reopen, reassignment), each change a
compare-and-set with its audit event in the caller's transaction.

May import the ground floor and `audit`.
"""
