"""Who may do what (docs/spec/service.md §§ 1–4): roles, accounts, the one authorisation
function, and the audit log. Shared by the dashboard (sign-in, pages, API) and the ETL (loads
recorded in the audit log, retiring an area disables its users)."""
