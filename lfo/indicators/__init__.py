"""The indicator engine: statistics, funnel limits, trends, comparisons and disclosure control."""
