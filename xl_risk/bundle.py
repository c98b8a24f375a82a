"""Model bundles: three models and their encoder, saved with a manifest.

A bundle is a folder ``models/<version>/`` holding joblib artifacts and
``manifest.json`` (version, time, library versions, training-data
fingerprint, canonical input schema, metrics, SHA-256 of each artifact).
Loading a joblib file runs code, so :func:`load` checks every hash and the
library versions *before* unpickling, and refuses any mismatch.

``models/CURRENT`` names the bundle in service and pins the SHA-256 of its
manifest. It is replaced atomically, so a reader always sees either the old or
the new name, never half of one.

``models/HISTORY.jsonl`` records every promotion, one JSON object a line
(version, manifest SHA-256, time, user); it is only ever appended to. The hash
recorded when a bundle is first put in service is the one it must still have
to be put back in service later (a rollback), so an older bundle whose
artifacts and manifest were swapped together is refused; the bundle in
service is loaded only if the history records it with the hash ``CURRENT``
pins, so rewriting ``CURRENT`` as well does not get it served; nor does
deleting or emptying the history: a ``CURRENT`` without one is refused.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import platform
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import zip_longest
from pathlib import Path

import joblib
import lightgbm
import numpy
import sklearn

from xl_risk.estimators import FractionModel, PDModel
from xl_risk.features import Encoder
from xl_risk.schema import INPUT_FIELDS

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
POINTER = "CURRENT"
HISTORY = "HISTORY.jsonl"
HISTORY_KEYS = ("version", "manifest_sha256")  # what every history line must hold
TEMP_PREFIX = ".replacing-"  # a file being written, renamed over its target
FORMAT = 1
ARTIFACTS = ("encoder", "pd", "ead", "lgd")
MODELS_ENV = "XL_RISK_MODELS"
STAGING_PREFIX = ".staging-"
READABLE_DIR = 0o755  # bundles are read by every analyst's Excel session
READABLE_FILE = 0o644


class BundleError(RuntimeError):
    """A bundle that is missing, incomplete, altered or built with other libraries."""


REPOSITORY_MODELS = Path(__file__).resolve().parents[1] / "models"


def default_models_dir() -> Path:
    """``$XL_RISK_MODELS`` if set, else ``models/`` at the repository top.

    Raises BundleError, naming the variable, when it is blank (white space
    only) or names a file, or a folder inside a file; set to the empty
    string it counts as unset.
    """
    env = os.environ.get(MODELS_ENV)
    if not env:
        return REPOSITORY_MODELS
    if not env.strip():
        raise BundleError(
            f"{MODELS_ENV} is blank ({env!r}); set it to the folder that holds "
            f"the bundles, or unset it to use {REPOSITORY_MODELS}"
        )

    path = Path(env)
    existing = next(p for p in (path, *path.parents) if p.exists() or p == p.parent)
    if existing.exists() and not existing.is_dir():
        where = "" if existing == path else f" ('{existing}' is a file)"
        raise BundleError(
            f"{MODELS_ENV}: '{env}' is not a folder{where}; set it to the "
            "folder that holds the bundles"
        )
    return path


def library_versions() -> dict[str, str]:
    """Versions that must match between the bundle's writer and its reader."""
    return {
        "python": ".".join(platform.python_version_tuple()[:2]),
        "numpy": numpy.__version__,
        "scikit-learn": sklearn.__version__,
        "lightgbm": lightgbm.__version__,
        "joblib": joblib.__version__,
    }


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def input_schema() -> list[dict]:
    """The canonical inputs as the manifest records them."""
    return [
        {"name": f.name, "label": f.label, "kind": f.kind.value, "unit": f.unit,
         "required": f.required, "minimum": f.minimum, "maximum": f.maximum,
         "categories": list(f.categories), "aliases": list(f.aliases)}
        for f in INPUT_FIELDS
    ]  # fmt: skip


@dataclass
class Bundle:
    """A loaded, verified bundle."""

    path: Path
    manifest: dict
    encoder: Encoder
    pd_model: PDModel
    ead_model: FractionModel
    lgd_model: FractionModel

    @property
    def version(self) -> str:
        return self.manifest["version"]


def make_readable(path: str | Path) -> None:
    """Give a file mode 0644 and a folder 0755, whatever the umask.

    Every analyst's Excel session reads the bundle in service, so nothing
    written into ``models/`` may be private to whoever wrote it.
    """
    os.chmod(path, READABLE_DIR if os.path.isdir(path) else READABLE_FILE)


def make_models_dir(models_dir: Path) -> None:
    """Create the models folder, readable by everyone, unless it exists.

    An existing folder keeps its mode: whoever set it up chose who reads it.
    """
    if not models_dir.is_dir():
        models_dir.mkdir(parents=True, exist_ok=True)
        make_readable(models_dir)


def new_version(models_dir: Path) -> str:
    """A sortable, unique version name such as ``20261203-172501``."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    version, n = stamp, 1
    while (models_dir / version).exists() or (
        models_dir / (STAGING_PREFIX + version)
    ).exists():
        n += 1
        version = f"{stamp}-{n}"
    return version


def write(models_dir: Path, objects: dict, manifest_extra: dict) -> Path:
    """Write a bundle into a staging folder and move it into place whole.

    Returns the final folder ``models_dir/<version>``. The bundle is not in
    service until :func:`promote` points ``CURRENT`` at it.
    """
    make_models_dir(models_dir)
    version = new_version(models_dir)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX + version, dir=models_dir))
    make_readable(staging)  # mkdtemp makes it private to its owner
    try:
        hashes = {}
        for name in ARTIFACTS:
            target = staging / f"{name}.joblib"
            joblib.dump(objects[name], target)
            make_readable(target)
            hashes[target.name] = sha256(target)

        manifest = {
            "format": FORMAT,
            "version": version,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "libraries": library_versions(),
            "input_schema": input_schema(),
            "artifacts": hashes,
            **manifest_extra,
        }
        _write_json(staging / MANIFEST, manifest)
        make_readable(staging / MANIFEST)
        _fsync_dir(staging)
        final = models_dir / version
        os.replace(staging, final)
        _fsync_dir(models_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def _write_json(path: Path, payload: dict) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2, default=str)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_manifest(path: Path) -> dict:
    """The manifest of a bundle folder, or BundleError."""
    try:
        return json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BundleError(f"bundle {path.name}: no {MANIFEST}") from None
    except json.JSONDecodeError as err:
        raise BundleError(
            f"bundle {path.name}: {MANIFEST} is not valid JSON ({err})"
        ) from None


def verify(path: Path) -> dict:
    """Check format, library versions and every artifact's SHA-256.

    Returns the manifest; raises BundleError naming the first mismatch.
    """
    manifest = read_manifest(path)
    if manifest.get("format") != FORMAT:
        raise BundleError(
            f"bundle {path.name}: format {manifest.get('format')!r}, expected {FORMAT}"
        )

    here = library_versions()
    for name, version in manifest.get("libraries", {}).items():
        if here.get(name) != version:
            raise BundleError(
                f"bundle {path.name} was built with {name} {version}, this "
                f"environment has {here.get(name)}; "
                f"retrain, or install {name}=={version}"
            )

    expected = manifest.get("artifacts", {})
    for name in ARTIFACTS:
        file = f"{name}.joblib"
        if file not in expected or not (path / file).is_file():
            raise BundleError(f"bundle {path.name}: artifact {file} is missing")
        if sha256(path / file) != expected[file]:
            raise BundleError(
                f"bundle {path.name}: {file} does not match its SHA-256 in the "
                "manifest; refusing to load it"
            )
    return manifest


def load(path: Path) -> Bundle:
    """Verify, unpickle, then check that the artifacts fit together."""
    manifest = verify(path)
    parts = {name: joblib.load(path / f"{name}.joblib") for name in ARTIFACTS}
    check_structure(path.name, parts)
    log.info("loaded bundle %s", manifest["version"])
    return Bundle(
        path, manifest, parts["encoder"], parts["pd"], parts["ead"], parts["lgd"]
    )


def check_structure(version: str, parts: dict) -> None:
    """Refuse artifacts of the wrong kind or of a width the encoder does not make.

    Hashes only prove the files are the ones the manifest names; a PD model
    from another bundle, listed with its own hash, would fail at the first
    application with a broadcasting error. ``parts`` maps each name in
    ``ARTIFACTS`` to its unpickled object.
    """
    kinds = {"encoder": Encoder, "pd": PDModel, "ead": FractionModel,
             "lgd": FractionModel}  # fmt: skip
    for name, kind in kinds.items():
        if not isinstance(parts[name], kind):
            raise BundleError(
                f"bundle {version}: {name}.joblib holds "
                f"{type(parts[name]).__name__}, expected {kind.__name__}; "
                "refusing to use it"
            )

    names = parts["encoder"].names
    widths = {
        "pd": (numpy.size(parts["pd"].coef), "coefficients"),
        "ead": (_input_width(parts["ead"]), "input columns"),
        "lgd": (_input_width(parts["lgd"]), "input columns"),
    }
    for name, (width, what) in widths.items():
        if width != len(names):
            count = "an unknown number of" if width is None else width
            raise BundleError(
                f"bundle {version}: {name}.joblib has {count} {what} but "
                f"encoder.joblib makes {len(names)} features; refusing to use it"
            )

    pairs = list(zip_longest(parts["pd"].feature_names, names))
    differ = [i for i, (fitted, made) in enumerate(pairs) if fitted != made]
    if differ:
        fitted, made = pairs[differ[0]]
        raise BundleError(
            f"bundle {version}: pd.joblib was fitted with feature {differ[0] + 1} "
            f"{fitted!r} where encoder.joblib makes {made!r}; refusing to use it"
        )


def _input_width(model: FractionModel) -> int | None:
    """How many columns an EAD or LGD model was fitted on (sklearn, LightGBM)."""
    return getattr(model.estimator, "n_features_in_", None)


def _pointer(models_dir: Path) -> tuple[str | None, str | None]:
    """``(version, manifest SHA-256)`` from ``CURRENT``; Nones before training."""
    try:
        words = (models_dir / POINTER).read_text(encoding="utf-8").split()
    except FileNotFoundError:
        return None, None
    return (words[0] if words else None), (words[1] if len(words) > 1 else None)


def current_version(models_dir: Path) -> str | None:
    """The version ``CURRENT`` names, or None before the first training."""
    return _pointer(models_dir)[0]


def promotion_history(models_dir: Path) -> list[dict]:
    """Every promotion recorded in ``models/HISTORY.jsonl``, oldest first.

    Each record holds ``version``, ``manifest_sha256``, ``promoted_at`` (UTC,
    ISO 8601) and ``by`` (the user). Raises BundleError on a line that is not
    such a record: the file is append-only, so a damaged line is never
    silently skipped.
    """
    path = models_dir / HISTORY
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []

    records = []
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
            valid = all(isinstance(record.get(k), str) for k in HISTORY_KEYS)
        except (json.JSONDecodeError, AttributeError):
            valid = False
        if not valid:
            raise BundleError(
                f"{path}: line {number} is not a promotion record with "
                f"{', '.join(HISTORY_KEYS)}; restore the file from a backup"
            )
        records.append(record)
    return records


def recorded_hash(
    models_dir: Path, version: str, history: list[dict] | None = None
) -> str | None:
    """The manifest SHA-256 recorded when ``version`` first went into service.

    None for a bundle never put in service (a candidate, or a bundle that
    served before the history was kept). ``history`` is the promotion history
    when the caller has already read it.
    """
    records = promotion_history(models_dir) if history is None else history
    for record in records:
        if record["version"] == version:
            return record["manifest_sha256"]
    return None


def promote(models_dir: Path, version: str) -> None:
    """Put a bundle in service: record the promotion, then switch ``CURRENT``.

    A bundle put in service for the first time has its manifest's SHA-256
    appended to ``models/HISTORY.jsonl``. A bundle that served before must
    still have the manifest SHA-256 recorded then, or it is refused: editing
    an older bundle's artifacts and its manifest together does not put it
    back in service. ``CURRENT`` pins the same hash, so an edit to the
    manifest after promotion is refused when the bundle is loaded for
    service. Call it with the retrain lock held (``retrain.pipeline`` does).
    """
    path = models_dir / version
    verify(path)
    manifest_hash = sha256(path / MANIFEST)
    recorded = recorded_hash(models_dir, version)
    if recorded is not None and recorded != manifest_hash:
        raise BundleError(
            f"bundle {version}: {MANIFEST} has SHA-256 {manifest_hash}, not "
            f"{recorded} as recorded in {HISTORY} when it was first put in "
            "service; refusing to put it back in service"
        )

    _append_history(models_dir, _record(version, manifest_hash))
    _replace_file(models_dir / POINTER, f"{version} {manifest_hash}\n")
    log.info("bundle %s is now in service", version)


def _record(version: str, manifest_hash: str) -> dict:
    return {
        "version": version,
        "manifest_sha256": manifest_hash,
        "promoted_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "by": getpass.getuser(),
    }


def _append_history(models_dir: Path, record: dict) -> None:
    """Add one line to the history; the file is replaced whole, in one rename."""
    path = models_dir / HISTORY
    try:
        before = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        before = ""
    if before and not before.endswith("\n"):
        before += "\n"
    _replace_file(path, before + json.dumps(record, sort_keys=True) + "\n")


def _replace_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and one rename."""
    handle, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    try:
        make_readable(temp)  # mkstemp makes it private to its owner
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def versions(models_dir: Path) -> list[str]:
    """Complete bundle folders, oldest first."""
    if not models_dir.is_dir():
        return []
    return sorted(
        p.name for p in models_dir.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).is_file()
    )  # fmt: skip


_CACHE: dict[Path, tuple[tuple[str, str], Bundle]] = {}


def current(models_dir: Path | None = None) -> Bundle:
    """The bundle in service, loaded once per process and reused.

    Reading ``CURRENT`` is cheap; when a retrain has pointed it elsewhere the
    next call loads the new bundle, so Excel picks it up without a restart.
    Before loading, the version and manifest SHA-256 that ``CURRENT`` pins
    must be those recorded in ``HISTORY.jsonl`` (see :func:`check_served`).
    """
    models_dir = Path(models_dir) if models_dir else default_models_dir()
    version, manifest_hash = _pointer(models_dir)
    if version is None:
        raise BundleError(
            f"no trained bundle in {models_dir}; run 'xl-risk retrain' first"
        )
    if manifest_hash is None:
        raise BundleError(
            f"{models_dir / POINTER} names bundle {version} but pins no "
            f"{MANIFEST} SHA-256 (the old one-field format), so the bundle "
            f"cannot be checked; {_repair_hint(models_dir)} to rewrite it"
        )
    cached = _CACHE.get(models_dir)
    if cached and cached[0] == (version, manifest_hash):
        return cached[1]

    check_served(models_dir, version, manifest_hash)
    manifest = models_dir / version / MANIFEST
    if manifest.is_file() and sha256(manifest) != manifest_hash:
        raise BundleError(
            f"bundle {version}: {MANIFEST} changed after it was put in service; "
            "refusing to load it"
        )
    bundle = load(models_dir / version)
    _CACHE[models_dir] = ((version, manifest_hash), bundle)
    return bundle


def check_served(models_dir: Path, version: str, manifest_hash: str) -> None:
    """Refuse a ``CURRENT`` that no promotion recorded in ``HISTORY.jsonl``.

    ``CURRENT`` and a bundle's manifest can be rewritten together; the hash
    recorded when the bundle first went into service cannot be, as the
    history is only appended to. A ``CURRENT`` without a history (the file
    deleted or emptied) is refused too: otherwise deleting the history would
    be all it takes to get a rewritten bundle unpickled. A models folder from
    before the history was kept is retrained once to start it.
    """
    history = promotion_history(models_dir)
    if not history:
        state = "is empty" if (models_dir / HISTORY).is_file() else "is missing"
        raise BundleError(
            f"{models_dir / POINTER} names bundle {version}, but "
            f"{models_dir / HISTORY} {state}, so nothing vouches for the bundle; "
            f"refusing to load it; restore {HISTORY} from a backup (then "
            "'xl-risk rollback --to VERSION' can put back any bundle it "
            "records), or run 'xl-risk retrain' to serve a new bundle and "
            "start the history again"
        )

    recorded = recorded_hash(models_dir, version, history)
    if recorded is None:
        raise BundleError(
            f"{models_dir / POINTER} names bundle {version}, which {HISTORY} "
            "does not record as ever put in service; refusing to load it; "
            f"{_repair_hint(models_dir)} to serve an intact bundle"
        )
    if recorded != manifest_hash:
        raise BundleError(
            f"{models_dir / POINTER} pins {MANIFEST} SHA-256 {manifest_hash} for "
            f"bundle {version}, not {recorded} as recorded in {HISTORY} when it "
            "was first put in service; refusing to load it; "
            f"{_repair_hint(models_dir)} to serve an intact bundle"
        )


def _repair_hint(models_dir: Path) -> str:
    """The commands that rewrite ``CURRENT`` in this models folder."""
    if not (models_dir / HISTORY).is_file():
        return "run 'xl-risk retrain'"
    return (
        "run 'xl-risk rollback' (the bundle that served before), 'xl-risk "
        f"rollback --to VERSION' (any bundle recorded in {HISTORY}) or "
        "'xl-risk retrain'"
    )


def forget() -> None:
    """Drop every cached bundle (tests, and after a rollback in-process)."""
    _CACHE.clear()
