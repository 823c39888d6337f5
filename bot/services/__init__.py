"""Business logic: takes a session and plain values, never imports telegram."""
