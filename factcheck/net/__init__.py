"""Outbound HTTP: the one place where factcheck reaches another server.

Owns the client factory (timeouts, size limits, a User-Agent, redirects re-checked at
every hop) and the address checks that refuse private and loopback targets (SSRF).
Imports only the ground floor (and the package's version, for its User-Agent).
"""
