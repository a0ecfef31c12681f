"""Browser tests: one main path per screen, driven through headless Chromium."""
