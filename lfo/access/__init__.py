"""Who may do what (docs/spec/service.md §§ 1–4): roles, accounts, the one authorisation
function, and the audit log. Shared by the dashboard (sign-in, pages, API) and the ETL (loads
recorded in the audit log, retiring an area disables its users).

Accounts (docs/security.md): ``roles`` (the three roles, ``Principal``), ``users`` (invite,
change, disable, reset-2fa), ``invitations`` (single-use links, enrolment), ``signin`` and
``throttle`` (password, second factor, growing delays), ``sessions`` (server-side), ``tokens``
(API tokens), ``passwords`` (rules, Argon2id), ``totp`` (codes, recovery codes), ``secrets``
(the key file, random tokens and their hashes), ``events`` (what each change returns for the
audit log).
"""
