"""The JSON API for other systems (/api/v1): its views (views.py) and its OpenAPI document (openapi.py)."""
