# Read by gunicorn from the working directory (./run, the Docker image, docker-compose, bench/):
# access-log lines are masked like the portal's own (core/logs.py).
logger_class = "core.logs.GunicornLogger"
