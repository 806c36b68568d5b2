"""The audit log: every state change, recorded in the transaction that makes it, as a
hash chain that can be exported and checked for tampering.

`events` is the chain's format (hashed text, links, checks, the export filter), shared by
the others; `chain` records events and verifies the chain in the database; `postgres`
does the same inside PostgreSQL; `export` writes and verifies export files; `search`
reads the log for the admin pages. No module imports one that imports it back.
Imports only the ground floor; every other area may record events here.
"""

from factcheck.audit.chain import AuditLogBusy, chain_head, record_event, verify_database
from factcheck.audit.events import SYSTEM_ACTOR, ChainReport, ExportFilter
from factcheck.audit.export import export_lines, verify_export, write_export

__all__ = [
    "SYSTEM_ACTOR",
    "AuditLogBusy",
    "ChainReport",
    "ExportFilter",
    "chain_head",
    "export_lines",
    "record_event",
    "verify_database",
    "verify_export",
    "write_export",
]
