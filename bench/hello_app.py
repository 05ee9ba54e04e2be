"""The bare baseline of bench/reads.py: a FastAPI hello, nothing else (`uvicorn bench.hello_app:app`)."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def hello() -> dict[str, str]:
    return {"message": "hello"}
