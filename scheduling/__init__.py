"""Pure planning: staffing, forecasts, shift design, rosters, breaks. Values in, values out."""
