"""The tamper-evident audit log: the hash chain each initiative's events form (``chain``),
its verification (``verify``, run by ``manage.py audit_verify``) and the evidence pack of an
initiative's gate decisions (``evidence``). Imports only ``models`` and ``rules``; the one
writer of events is ``services.common.record``, which seals each event with ``chain.seal``."""
