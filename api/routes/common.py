"""Shared route parameter types and documented error responses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

from api.schemas import ProblemDetail

# PostgreSQL INTEGER ids: a larger number can never exist, and must be a 422, not a database error.
MAX_ID = 2_147_483_647
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=500, description="page size")]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000)]
Text = Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$")]


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        401: "no bearer token, or an unknown one",
        403: "your role may not do this",
        404: "no such resource, or not one you may see",
        409: "conflicts with what is stored",
        413: "too large, or too many files",
        415: "unsupported media type (sniffed from the bytes)",
        422: "invalid input; `detail` says why",
    }
    return {code: {"model": ProblemDetail, "description": descriptions[code]} for code in codes}
