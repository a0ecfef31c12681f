"""The Floor: live queues, agents, adherence and alerts for a site."""
