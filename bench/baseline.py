"""The baseline: the most this stack (gunicorn + Flask) can do, one route, a short string."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "ok"
