"""Live classroom sessions: a presenter's state, versioned and stored, fanned out to followers.

`store` is the interface (the session record, the calls and the errors every store answers),
`sqlite` and `redis` the stores behind it (Redis also relays changes between processes), `hub`
the in-process fan-out to Server-Sent-Event followers, `pagekinds` what each kind of page
presents and sends, `frames` what followers need to draw, computed once per change on the
server rather than once per follower, and `classroom` them all together for one process.
"""
