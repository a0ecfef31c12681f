"""The operator's own day: today's shift and breaks, moves asked for, the calendar feed."""
