"""A live feed for the demo: a discrete-event simulation of the floor, posted to the events API."""
