"""Development stack: embedded PostgreSQL and Redis, and the `./run` / `./test` entry points.

Nothing here is used in production: there `DATABASE_URL` and `REDIS_URL` point at real servers
and the embedded ones are never started.
"""
