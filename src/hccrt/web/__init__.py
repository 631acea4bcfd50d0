"""hccrt web application: FastAPI, server-rendered pages, JSON API (``hccrt serve``)."""
