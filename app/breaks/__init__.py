"""The Breaks screen: a team's day, optimised in the background, moved by hand, published."""
