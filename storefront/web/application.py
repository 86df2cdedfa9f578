"""The shop's Flask class: Flask, with its request class and a memo of its plain functions."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from flask import Flask

from storefront.web.request import ShopRequest


class ShopFlask(Flask):
    request_class = ShopRequest

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain_functions: weakref.WeakSet[Callable[..., Any]] = weakref.WeakSet()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        # Flask asks, for every hook and view of every request, whether the function is a
        # coroutine function; the answer never changes, so it is kept for plain functions.
        if func in self._plain_functions:
            return func
        result = super().ensure_sync(func)
        if result is func:
            with suppress(TypeError):  # a callable that cannot be weakly referenced: not kept
                self._plain_functions.add(func)
        return result
