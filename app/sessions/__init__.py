"""Live classroom sessions: a presenter's state, versioned and stored, fanned out to followers.

`store` is the interface (and the session record), `sqlite` the embedded store behind it,
`hub` the in-process fan-out to Server-Sent-Event followers, and `frames` what followers need
to draw, computed once per change on the server rather than once per follower.
"""
