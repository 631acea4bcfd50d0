"""Request helpers shared by the route modules."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request


async def form_data(request: Request) -> dict[str, str]:
    """The submitted form as text fields (files are ignored here)."""
    form = await request.form()
    return {key: value for key, value in form.multi_items() if isinstance(value, str)}


FormData = Annotated[dict[str, str], Depends(form_data)]
