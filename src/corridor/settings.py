"""Settings of the coordination service, read from the environment (``CORRIDOR_*``) or arguments.

Secrets have placeholder defaults so that ``corridor serve`` works out of the box on a laptop;
outside a local run (``environment`` other than ``local``), or when the service listens on
anything but the loopback interface (``--host 0.0.0.0``), a placeholder or short secret is
refused with an :class:`~corridor.errors.InputError` naming the setting.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import ipaddress
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from corridor.domain.tracking import LiveParams
from corridor.errors import InputError

PLACEHOLDER = "change-me"
#: A well-known, public key: fine for a demo on 127.0.0.1, refused anywhere else.
PLACEHOLDER_REGISTRY_KEY = base64.urlsafe_b64encode(b"corridor-local-registry-key-0000").decode()


class Settings(BaseSettings):
    """Everything the service needs to start; one instance per process."""

    model_config = SettingsConfigDict(env_prefix="CORRIDOR_", extra="forbid")

    environment: Literal["local", "staging", "production"] = "local"
    data_dir: Path = Path("corridor-data")
    database_url: str | None = None
    #: Pepper for API-token hashes (HMAC-SHA256); only hashes are stored.
    token_secret: str = PLACEHOLDER
    #: 32-byte AES key, URL-safe base64, for the evacuee registry's personal fields.
    registry_key: str = PLACEHOLDER_REGISTRY_KEY
    #: Largest request body accepted, in bytes.
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    #: Largest OpenStreetMap extract accepted by ``PUT /v1/osm/{name}``, in bytes.
    max_osm_bytes: int = Field(default=200_000_000, ge=1024)
    #: Most position reports accepted in one batch.
    max_batch: int = Field(default=500, ge=1)
    #: SQLite ``synchronous``: FULL survives power loss, NORMAL only process crashes.
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"

    #: Background map tiles for the dashboard ({z}/{x}/{y} URL); none by default (offline).
    tiles_url: str | None = None
    #: A running Dask cluster for simulations (tcp://HOST:8786); none: in the service's process.
    dask_scheduler: str | None = None
    #: The log operator's Ed25519 key (C2SP signed-note text); made on first start if absent.
    log_key_path: Path | None = None
    #: Run on a clock that starts at this instant (ISO 8601 with offset) and runs on: for a
    #: rehearsal, a replay of an operation's day, or tests. Unset: the system clock. Refused
    #: in production.
    clock: str | None = None
    #: The interface ``corridor serve`` listens on (``--host`` overrides it, and ``serve``
    #: hands the one it binds to its workers): off the loopback, other machines reach the
    #: service, and placeholder secrets are refused as outside a local run.
    listen_host: str = "127.0.0.1"

    @property
    def exposed(self) -> bool:
        """True when the service is reachable from other machines (or not a local run)."""
        return self.environment != "local" or not is_loopback(self.listen_host)

    # -- the live operation (docs/live.md): when an alert is raised ---------------------------
    #: A vehicle this many minutes behind its plan is ``late``.
    live_late_min: float = Field(default=10.0, gt=0, allow_inf_nan=False)
    #: A vehicle this many metres from its agreed route is ``off_route``.
    live_off_route_m: float = Field(default=250.0, gt=0, allow_inf_nan=False)
    #: A vehicle that has not moved for this many minutes away from a planned stop: ``stopped``.
    live_stopped_min: float = Field(default=10.0, gt=0, allow_inf_nan=False)
    #: No position for this many minutes from a vehicle on its way: ``silent``.
    live_silent_min: float = Field(default=5.0, gt=0, allow_inf_nan=False)
    #: A boarded person not checked in on arrival this many minutes after their vehicle
    #: arrived: ``missing_person``.
    live_missing_min: float = Field(default=15.0, gt=0, allow_inf_nan=False)
    #: A critical incident this many metres from a planned route: ``incident_near_route``.
    live_incident_m: float = Field(default=1000.0, gt=0, allow_inf_nan=False)
    #: Within this many metres of a planned stop a vehicle is at the stop (waiting is planned).
    live_stop_radius_m: float = Field(default=150.0, gt=0, allow_inf_nan=False)
    #: A report dated more than this many minutes ahead of the server's clock is not trusted.
    live_clock_ahead_min: float = Field(default=5.0, gt=0, allow_inf_nan=False)
    #: A report dated more than this many hours before the server's clock is not trusted.
    live_clock_behind_h: float = Field(default=24.0, gt=0, allow_inf_nan=False)
    #: A report more than this many km outside the bounding box of the operation's places is
    #: stored but not trusted (flagged ``suspect``: latitude and longitude swapped, no fix).
    live_area_margin_km: float = Field(default=50.0, gt=0, allow_inf_nan=False)
    #: How often (seconds) the server looks for time-based alerts (silent vehicles, missing
    #: people); 0: only when asked (``POST /v1/tracking/sweep``); at most once a day (a longer
    #: wait overflows the sweep thread's timer, and the service would run without it).
    live_sweep_seconds: float = Field(default=30.0, ge=0, le=86_400, allow_inf_nan=False)

    @property
    def live_params(self) -> LiveParams:
        """The live operation's thresholds."""
        return LiveParams(
            late_min=self.live_late_min,
            off_route_m=self.live_off_route_m,
            stopped_min=self.live_stopped_min,
            silent_min=self.live_silent_min,
            missing_min=self.live_missing_min,
            incident_m=self.live_incident_m,
            stop_radius_m=self.live_stop_radius_m,
            clock_ahead_min=self.live_clock_ahead_min,
            clock_behind_h=self.live_clock_behind_h,
            area_margin_km=self.live_area_margin_km,
        )

    @property
    def log_key_file(self) -> Path:
        return self.log_key_path or self.data_dir / "keys" / "corridor-log.key"

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'corridor.sqlite').resolve()}"

    @property
    def registry_key_bytes(self) -> bytes:
        try:
            key = base64.urlsafe_b64decode(self.registry_key.encode())
        except (binascii.Error, ValueError) as exc:
            raise InputError("CORRIDOR_REGISTRY_KEY", "is not URL-safe base64") from exc
        if len(key) != 32:
            raise InputError(
                "CORRIDOR_REGISTRY_KEY", f"decodes to {len(key)} bytes; 32 are needed (AES-256)"
            )
        return key

    def check(self) -> Settings:
        """Refuse placeholder or weak secrets outside a local run; return self."""
        self.registry_key_bytes  # noqa: B018 - validates the key's shape in every environment
        if self.exposed:
            run = (
                f"a {self.environment} run"
                if self.environment != "local"
                else f"a service listening on {self.listen_host} (reachable from other machines)"
            )
            if self.token_secret == PLACEHOLDER or len(self.token_secret) < 32:
                raise InputError(
                    "CORRIDOR_TOKEN_SECRET",
                    f"is a placeholder or shorter than 32 characters in {run}; set a random "
                    "secret of 32 characters or more",
                )
            if self.registry_key == PLACEHOLDER_REGISTRY_KEY:
                raise InputError(
                    "CORRIDOR_REGISTRY_KEY",
                    f"is the public placeholder in {run}; set 32 random bytes, URL-safe base64",
                )
        if self.clock:
            if self.environment == "production":
                raise InputError(
                    "CORRIDOR_CLOCK", f"{self.clock!r}: a production run uses the system clock"
                )
            from corridor.adapters.clock import parse_instant

            parse_instant("CORRIDOR_CLOCK", self.clock)
        if self.dask_scheduler:  # the form only: the cluster may start later (empty: none)
            from corridor.simulation.address import address_problem

            if (problem := address_problem(self.dask_scheduler)) is not None:
                raise InputError("CORRIDOR_DASK_SCHEDULER", f"{self.dask_scheduler}: {problem}")
        return self


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or a name) is this machine only."""
    if host.lower() in {"localhost", "localhost.localdomain", "ip6-localhost"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve anywhere


#: ``CORRIDOR_*`` variables that are not settings of the service but are read elsewhere: by the
#: command line (the log, a token, the admin token ``serve`` prints), the road-graph cache, and
#: the test suite.
OTHER_VARIABLES = frozenset(
    {
        "CORRIDOR_LOG",
        "CORRIDOR_LEDGER",
        "CORRIDOR_TOKEN",
        "CORRIDOR_LOG_KEY",
        "CORRIDOR_ADMIN_TOKEN",
        "CORRIDOR_CACHE_DIR",
        "CORRIDOR_REFEREE",
        "CORRIDOR_TEST_SHIFT_DAYS",
        "CORRIDOR_TEST_CHROMIUM",
        "CORRIDOR_FUZZ_EXAMPLES",
        "CORRIDOR_C2SP_FORMATS",
    }
)


def unknown_variables(environ: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """Each ``CORRIDOR_*`` variable of ``environ`` that nothing reads (a misspelt setting is
    otherwise silently ignored), with the nearest known name (None: nothing near)."""
    settings = sorted(f"CORRIDOR_{name.upper()}" for name in Settings.model_fields)
    known = set(settings) | OTHER_VARIABLES
    out: list[tuple[str, str | None]] = []
    for name in sorted(environ):
        if name.upper().startswith("CORRIDOR_") and name.upper() not in known:
            near = difflib.get_close_matches(
                name.upper(), settings, n=1
            ) or difflib.get_close_matches(name.upper(), sorted(OTHER_VARIABLES), n=1)
            out.append((name, near[0] if near else None))
    return out


def check_environment(
    settings: Settings, environ: Mapping[str, str], warn: Callable[[str], None]
) -> None:
    """Warn, one line each, about every ``CORRIDOR_*`` variable that is no setting, naming the
    nearest setting; a production run refuses to start with any (InputError naming it)."""
    unknown = unknown_variables(environ)
    for name, near in unknown:
        hint = f"; did you mean {near}?" if near else ""
        warn(f"warning: {name} is not a corridor setting and is ignored{hint}")
    if unknown and settings.environment == "production":
        name, near = unknown[0]
        hint = f" (did you mean {near}?)" if near else ""
        raise InputError(
            name,
            f"is not a corridor setting{hint}; a production run starts only when every "
            "CORRIDOR_* variable is one (unset or rename it)",
        )


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, apply non-None overrides, and check them."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        settings = Settings(**given)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "settings"
        raise InputError(
            f"CORRIDOR_{field.upper()}", f"{err['msg']} (got {err.get('input')!r})"
        ) from exc
    return settings.check()
