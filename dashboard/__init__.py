"""The Local Family Offer monitoring dashboard (Plotly Dash): reads the database, never writes it."""
