"""The domain apps of Barys, in the order their pages, API routers and demo steps load."""

DOMAIN_APPS: tuple[str, ...] = (
    "taxa",
    "records",
    "places",
    "camtrap",
    "individuals",
    "telemetry",
    "incidents",
    "cryobank",
    "population",
    "portal",
)
