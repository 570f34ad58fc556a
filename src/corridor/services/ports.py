"""The ports services depend on; adapters implement them and bootstrap wires them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]
"""Now, as an aware UTC datetime. The only way any layer learns the time."""
