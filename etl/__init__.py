"""ETL for the Local Family Offer quarterly returns: checks, loads, generates and reports."""
