"""Pure planning: staffing, forecasting, shift design, rosters, breaks, load. Values in, values out."""
