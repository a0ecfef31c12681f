"""Rosters: a team's week of named shifts, generated, edited, published and requested."""
