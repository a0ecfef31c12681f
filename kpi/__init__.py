"""Pure KPI definitions, live aggregation, adherence and alert rules. Values in, values out."""
