"""Demo step: two GPS-collared snow leopards of Ile-Alatau (simulated demonstration data).

The tracks are simulated demonstration data derived from real tracks: the movement pattern
(step lengths, turning angles and the timing of the fixes) of two real jaguar tracks from the
Pantanal (ctmm's ``jaguar`` data, animals "Teorema" and "Esperanca2"; Morato et al. 2018,
Ecology 99:1691) is replayed in Ile-Alatau National Park with a seasonal pull
(:mod:`barys.telemetry.simulation`): the animals follow their prey up to the upper belt
(about 3,000-3,800 m) in summer and come down to about 2,000 m in winter. Altitudes come from
a simplified slope model, not a real elevation model. A few GPS errors (out-and-back spikes
and fixes with poor precision) are added so the cleaning has something to flag.

The tracks end when the step first runs, so the last 30 days are "live" positions that the
public never sees. The tracks are written as a Movebank CSV and imported with the normal
importer. Idempotent: a collar that has fixes is left alone.
"""

from __future__ import annotations

import csv
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from django.conf import settings

from barys.core import audit
from barys.core.models import Scope
from barys.demo.scenario import SIMULATED, DemoContext, step
from barys.individuals.models import Individual
from barys.interop.movebank import Fix as FileFix
from barys.interop.movebank import write_movebank
from barys.taxa.models import Taxon
from barys.telemetry import simulation
from barys.telemetry.importing import ImportOptions, import_fixes
from barys.telemetry.models import Fix, Tag, TagDeployment

log = logging.getLogger(__name__)

ACTOR = "demo"
SCOPE = "ile-alatau"
DAYS = 420
SOURCE_NOTE = (
    f"{SIMULATED.capitalize()} derived from a real track: the step lengths, turning angles and "
    "fix timing of the jaguar '{animal}' (ctmm 'jaguar' data; Morato et al. 2018, Ecology "
    "99:1691) replayed in Ile-Alatau with a seasonal altitudinal pull; altitudes from a "
    "simplified slope model."
)


@dataclass(frozen=True)
class Collar:
    tag: str
    serial: str
    individual: str
    name: str
    sex: str
    born: int
    real_animal: str  # the real jaguar track whose movement pattern is replayed
    start_lat: float
    home_lon: float
    seed: int


COLLARS = (
    Collar(
        "IA-GPS-01", "DEMO-0001", "SL-IA-001", "Aisulu", "female", 2012, "Teorema", 43.11, 77.02, 1
    ),
    Collar(
        "IA-GPS-02", "DEMO-0002", "SL-IA-005", "Batyr", "male", 2010, "Esperanca2", 43.12, 77.22, 2
    ),
)


def reference_dir() -> Path:
    """The shared reference data (``BARYS_REFERENCE_DATA`` or ``../shared/reference-data``
    beside the repository)."""
    override = os.environ.get("BARYS_REFERENCE_DATA")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[3].parent / "shared" / "reference-data"


def real_pattern(animal: str) -> simulation.MovementPattern:
    """The movement pattern of one real jaguar track (raises OSError when the file is
    missing)."""
    path = reference_dir() / "telemetry" / "ctmm_jaguar.csv"
    with path.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["identity"] == animal]
    if not rows:
        raise OSError(f"{path}: no track of {animal!r}")
    return simulation.movement_pattern(
        np.array([float(r["timestamp"]) for r in rows]),
        np.array([float(r["latitude"]) for r in rows]),
        np.array([float(r["longitude"]) for r in rows]),
    )


def simulated_fixes(collar: Collar, *, end: datetime) -> list[FileFix]:
    """The collar's simulated fixes up to ``end`` (with a few GPS errors added)."""
    pattern = real_pattern(collar.real_animal)
    track = simulation.reproject_track(
        pattern,
        start_s=(end - timedelta(days=DAYS)).timestamp(),
        end_s=end.timestamp(),
        start_lat=collar.start_lat,
        home_lon=collar.home_lon,
        seed=collar.seed,
    )
    rng = np.random.default_rng(collar.seed + 100)
    lat, lon = track.lat.copy(), track.lon.copy()
    for index in rng.choice(np.arange(10, lat.size - 10), size=3, replace=False):
        lat[index] += 0.2  # 22 km north for one fix: an out-and-back spike
    months = np.array([datetime.fromtimestamp(t, UTC).month for t in track.t_s])
    seasonal = -9.0 * np.cos(2 * np.pi * (months - 1) / 12.0)
    temperature = np.round(
        12.0 + seasonal - 0.0065 * (track.altitude_m - 2000.0) + rng.normal(0, 2.0, lat.size), 1
    )
    battery = np.round(3900.0 - np.linspace(0, 350, lat.size))
    satellites = np.clip(np.round(10 - track.hdop), 3, 12).astype(int)
    return [
        FileFix(
            timestamp=datetime.fromtimestamp(float(t), UTC).replace(microsecond=0),
            lat=round(float(la), 6),
            lon=round(float(lo), 6),
            altitude=float(alt),
            altitude_reference="ellipsoid",
            hdop=float(h),
            satellites=int(s),
            fix_type=3,
            temperature=float(c),
            battery=float(b),
            individual=collar.individual,
            tag=collar.tag,
            event_id=f"{collar.tag}-{i + 1}",
            visible=True,
            sensor_type="gps",
        )
        for i, (t, la, lo, alt, h, s, c, b) in enumerate(
            zip(
                track.t_s,
                lat,
                lon,
                track.altitude_m,
                track.hdop,
                satellites,
                temperature,
                battery,
                strict=True,
            )
        )
    ]


@step("GPS collars of two snow leopards (simulated from real tracks)")
def collared_snow_leopards(context: DemoContext) -> None:
    taxon = Taxon.objects.filter(scientific_name="Panthera uncia").first()
    scope = Scope.objects.filter(code=SCOPE).first()
    if taxon is None or scope is None:
        log.warning("telemetry demo skipped: no Panthera uncia taxon or %s scope", SCOPE)
        return
    try:
        patterns_available = all(real_pattern(c.real_animal) for c in COLLARS)
    except OSError as exc:
        log.warning("telemetry demo skipped: the real tracks are missing (%s)", exc)
        return
    assert patterns_available
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    folder = Path(settings.DATA_DIR) / "derived" / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    made = 0
    for collar in COLLARS:
        individual, created = Individual.objects.get_or_create(
            code=collar.individual,
            defaults={
                "taxon": taxon,
                "name": collar.name,
                "sex": collar.sex,
                "birth_year": collar.born,
                "scope": scope,
                "notes": f"Passport made by the telemetry demo ({SIMULATED}).",
            },
        )
        if created:
            audit.record_create(individual, actor=ACTOR)
        tag, created = Tag.objects.get_or_create(
            local_identifier=collar.tag,
            defaults={
                "manufacturer": "Vectronic Aerospace",
                "model": "GPS Plus (demo)",
                "serial_number": collar.serial,
                "sensors": ["gps", "temperature", "mortality"],
                "scope": scope,
                "notes": SOURCE_NOTE.format(animal=collar.real_animal),
            },
        )
        if created:
            audit.record_create(tag, actor=ACTOR)
        if Fix.objects.filter(deployment__tag=tag).exists():
            continue
        fixes = simulated_fixes(collar, end=end)
        deployment = TagDeployment.objects.filter(tag=tag, individual=individual).first()
        if deployment is None:
            deployment = TagDeployment.objects.create(
                tag=tag,
                individual=individual,
                deploy_on=fixes[0].timestamp - timedelta(hours=1),
                deploy_on_latitude=fixes[0].lat,
                deploy_on_longitude=fixes[0].lon,
                attachment=TagDeployment.Attachment.COLLAR,
                notes=SOURCE_NOTE.format(animal=collar.real_animal),
            )
            audit.record_create(deployment, actor=ACTOR)
        path = folder / f"telemetry-{collar.tag}.csv.gz"
        write_movebank(fixes, path)
        result = import_fixes(path, options=ImportOptions(), actor=ACTOR)
        made += result.run.created
    context.summary["GPS collars"] = len(COLLARS)
    context.summary["GPS fixes (simulated from real tracks)"] = Fix.objects.filter(
        deployment__tag__local_identifier__in=[c.tag for c in COLLARS]
    ).count()
    if made:
        log.info("telemetry demo: %d fixes imported", made)
