"""Break rules per site and team: break types, how many breaks a shift gets, the policy."""
