"""Who may do what: user accounts, their roles and passwords, failed-login limits and API
tokens (soon sessions and two-factor sign-in).

May import the ground floor, `audit` (every change is recorded) and `review` (a disabled
account's leases are handed back).
"""
