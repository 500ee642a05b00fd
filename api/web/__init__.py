"""The officer web app: server-rendered Chinese pages over the same views and rules as the JSON API."""
