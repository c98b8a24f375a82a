"""Bundles: saved and loaded without change, refused when altered, promoted and
rolled back through CURRENT and the promotion history."""

import json
import logging
import os
import re
import shutil
import stat

import joblib
import numpy as np
import pytest
from click.testing import CliRunner
from filelock import FileLock
from sklearn.dummy import DummyRegressor

from retrain import RetrainBusy, retrain, rollback
from retrain.pipeline import LOCK_FILE, _champion_metrics, prune
from xl_risk import bundle as bundles
from xl_risk import training
from xl_risk.cli import EXIT_BUNDLE, main
from xl_risk.config import TrainingConfig
from xl_risk.demo import make_portfolio
from xl_risk.estimators import FractionModel, PDModel
from xl_risk.excel import convert, udfs
from xl_risk.model_card import CARD_NAME, write_model_card
from xl_risk.samples import sample_applications
from xl_risk.scoring import OUTPUTS, score


@pytest.fixture(scope="module")
def served(trained_models_dir):
    """The bundle the session trained; read only."""
    return bundles.load(
        trained_models_dir / bundles.current_version(trained_models_dir)
    )


@pytest.fixture
def models_dir(tmp_path):
    yield tmp_path / "models"
    bundles.forget()


@pytest.fixture
def copy(served, models_dir):
    """A copy of the served bundle folder, free to alter."""
    target = models_dir / served.version
    shutil.copytree(served.path, target)
    return target


def objects_of(bundle) -> dict:
    return {
        "encoder": bundle.encoder,
        "pd": bundle.pd_model,
        "ead": bundle.ead_model,
        "lgd": bundle.lgd_model,
    }


def write_version(served, models_dir, **manifest) -> str:
    return bundles.write(models_dir, objects_of(served), manifest).name


def edit_manifest(path, change) -> None:
    manifest = json.loads((path / bundles.MANIFEST).read_text(encoding="utf-8"))
    change(manifest)
    (path / bundles.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def test_bundle_write_load_score_gives_identical_numbers(served, models_dir):
    applications = sample_applications()
    before = score(served, applications)

    version = write_version(served, models_dir)
    after = score(bundles.load(models_dir / version), applications)

    for name in OUTPUTS:
        np.testing.assert_array_equal(getattr(after, name), getattr(before, name))
    assert bundles.load(models_dir / version).encoder.names == served.encoder.names


def test_bundle_manifest_records_versions_hashes_and_schema(served):
    manifest = served.manifest

    assert manifest["libraries"] == bundles.library_versions()
    assert sorted(manifest["artifacts"]) == sorted(
        f"{name}.joblib" for name in bundles.ARTIFACTS
    )
    for file, digest in manifest["artifacts"].items():
        assert bundles.sha256(served.path / file) == digest
    assert manifest["input_schema"] == bundles.input_schema()


@pytest.mark.parametrize("artifact", bundles.ARTIFACTS)
def test_bundle_load_refuses_tampered_artifact(copy, artifact):
    path = copy / f"{artifact}.joblib"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    with pytest.raises(bundles.BundleError, match=f"{artifact}.joblib .*SHA-256"):
        bundles.load(copy)


def test_bundle_promote_refuses_tampered_artifact(copy, models_dir):
    (copy / "pd.joblib").write_bytes(b"not a model")

    with pytest.raises(bundles.BundleError, match="SHA-256"):
        bundles.promote(models_dir, copy.name)

    assert bundles.current_version(models_dir) is None


@pytest.mark.parametrize("library", sorted(bundles.library_versions()))
def test_bundle_load_refuses_other_library_version(copy, library):
    edit_manifest(copy, lambda m: m["libraries"].update({library: "0.0.1"}))

    with pytest.raises(bundles.BundleError, match=f"built with {library} 0.0.1"):
        bundles.load(copy)


def test_bundle_load_refuses_missing_artifact(copy):
    (copy / "lgd.joblib").unlink()

    with pytest.raises(bundles.BundleError, match="artifact lgd.joblib is missing"):
        bundles.load(copy)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.update(format=99), "format 99, expected 1"),
        (lambda m: m["artifacts"].pop("ead.joblib"), "artifact ead.joblib is missing"),
    ],
)
def test_bundle_load_refuses_altered_manifest(copy, change, message):
    edit_manifest(copy, change)

    with pytest.raises(bundles.BundleError, match=message):
        bundles.load(copy)


def test_bundle_load_refuses_unreadable_manifest(copy):
    (copy / bundles.MANIFEST).write_text("{not json", encoding="utf-8")

    with pytest.raises(bundles.BundleError, match="manifest.json is not valid JSON"):
        bundles.load(copy)


def test_bundle_current_without_bundle_says_retrain(models_dir):
    with pytest.raises(bundles.BundleError, match="no trained bundle in .*retrain"):
        bundles.current(models_dir)


def test_bundle_promote_switches_current(served, models_dir):
    first = write_version(served, models_dir)
    second = write_version(served, models_dir)
    assert first != second
    assert bundles.versions(models_dir) == [first, second]

    bundles.promote(models_dir, first)
    assert bundles.current_version(models_dir) == first
    assert bundles.current(models_dir).version == first

    bundles.promote(models_dir, second)
    assert bundles.current_version(models_dir) == second
    assert bundles.current(models_dir).version == second


def test_rollback_returns_previous_version(served, models_dir):
    first = write_version(served, models_dir)
    second = write_version(served, models_dir, previous_version=first)
    bundles.promote(models_dir, first)
    bundles.promote(models_dir, second)

    assert rollback(models_dir) == first

    assert bundles.current_version(models_dir) == first
    assert bundles.current(models_dir).version == first


@pytest.mark.parametrize(
    ("previous", "message"),
    [(None, "has no earlier bundle"), ("19990101-000000", "has no earlier bundle")],
)
def test_rollback_without_earlier_bundle_refused(served, models_dir, previous, message):
    only = write_version(served, models_dir, previous_version=previous)
    bundles.promote(models_dir, only)

    with pytest.raises(bundles.BundleError, match=message):
        rollback(models_dir)

    assert bundles.current_version(models_dir) == only


def test_rollback_without_bundle_in_service_refused(models_dir):
    models_dir.mkdir()

    with pytest.raises(bundles.BundleError, match="no bundle in service"):
        rollback(models_dir)


def test_retrain_twice_then_rollback(tmp_path, models_dir, monkeypatch):
    monkeypatch.setattr(training, "PD_GRID", {"C": [1.0], "l1_ratio": [0.0]})
    monkeypatch.setattr(
        training, "LGBM_GRID", {"n_estimators": [20], "num_leaves": [7]}
    )
    monkeypatch.setattr(training, "PARALLEL_JOBS", 1)
    config = TrainingConfig(cv_folds=2, min_bad_loans=50, pd_auc_floor=0.5)
    history = tmp_path / "history.csv"
    make_portfolio(n_loans=2000, seed=5).to_csv(history, index=False)

    first = retrain(history, models_dir=models_dir, config=config)
    second = retrain(history, models_dir=models_dir, config=config)

    assert first.promoted, first.reason
    assert second.promoted, second.reason
    assert second.previous == first.version
    assert second.manifest["previous_version"] == first.version
    assert bundles.current_version(models_dir) == second.version
    assert rollback(models_dir) == first.version
    assert bundles.current(models_dir).version == first.version


def test_bundle_current_refuses_manifest_edited_after_promotion(copy, models_dir):
    bundles.promote(models_dir, copy.name)
    edit_manifest(copy, lambda m: m["metrics"]["oot"]["pd"].update({"auc": 0.99}))
    bundles.forget()

    with pytest.raises(
        bundles.BundleError, match="changed after it was put in service"
    ):
        bundles.current(models_dir)


def served_twice(served, models_dir) -> tuple[str, str]:
    """Two bundles put in service in turn, the second naming the first."""
    first = write_version(served, models_dir)
    second = write_version(served, models_dir, previous_version=first)
    bundles.promote(models_dir, first)
    bundles.promote(models_dir, second)
    return first, second


def swap_artifact(path, artifact: str = "pd") -> None:
    """Replace an artifact and update the manifest to match, as an attacker would."""
    target = path / f"{artifact}.joblib"
    target.write_bytes((path / "lgd.joblib").read_bytes())
    edit_manifest(
        path, lambda m: m["artifacts"].update({target.name: bundles.sha256(target)})
    )


def test_bundle_promote_pins_manifest_hash_in_current(served, models_dir):
    version = write_version(served, models_dir)

    bundles.promote(models_dir, version)

    words = (models_dir / bundles.POINTER).read_text(encoding="utf-8").split()
    assert words == [version, bundles.sha256(models_dir / version / bundles.MANIFEST)]


def test_bundle_promote_records_every_promotion_in_history(served, models_dir):
    first, second = served_twice(served, models_dir)
    bundles.promote(models_dir, first)

    history = bundles.promotion_history(models_dir)

    assert [r["version"] for r in history] == [first, second, first]
    for record in history:
        manifest = models_dir / record["version"] / bundles.MANIFEST
        assert record["manifest_sha256"] == bundles.sha256(manifest)
    assert bundles.recorded_hash(models_dir, second) == history[1]["manifest_sha256"]


@pytest.mark.parametrize("to", [None, "first"])
def test_rollback_refuses_bundle_swapped_since_it_served(served, models_dir, to):
    first, second = served_twice(served, models_dir)
    swap_artifact(models_dir / first)

    with pytest.raises(
        bundles.BundleError,
        match=f"bundle {first}: manifest.json has SHA-256 .* not .* recorded in "
        "HISTORY.jsonl when it was first put in service",
    ):
        rollback(models_dir, to=first if to else None)

    assert bundles.current_version(models_dir) == second


def test_bundle_promote_refuses_manifest_changed_since_first_promotion(
    served, models_dir
):
    first, _ = served_twice(served, models_dir)
    edit_manifest(models_dir / first, lambda m: m.update(trained_by="someone"))

    with pytest.raises(bundles.BundleError, match=f"bundle {first}: .*refusing"):
        bundles.promote(models_dir, first)


def test_rollback_to_puts_the_newer_bundle_back(served, models_dir):
    first, second = served_twice(served, models_dir)

    assert rollback(models_dir) == first
    assert rollback(models_dir, to=second) == second

    assert bundles.current(models_dir).version == second


def test_prune_keeps_what_rollback_needs_however_many_candidates(served, models_dir):
    first, second = served_twice(served, models_dir)
    candidates = [write_version(served, models_dir) for _ in range(4)]

    removed = prune(models_dir, keep=2)

    assert removed == candidates[:2]
    assert rollback(models_dir) == first
    assert rollback(models_dir, to=second) == second


def test_prune_keeps_newest_served_and_the_one_before_the_serving(served, models_dir):
    chain = [write_version(served, models_dir)]
    for _ in range(4):
        chain.append(write_version(served, models_dir, previous_version=chain[-1]))
    for version in chain:
        bundles.promote(models_dir, version)
    bundles.promote(models_dir, chain[1])  # rolled back far: serving names chain[0]

    removed = prune(models_dir, keep=2)

    assert removed == chain[2:3]
    assert bundles.versions(models_dir) == [*chain[:2], *chain[3:]]


def _candidate(served, models_dir, first):
    return write_version(served, models_dir)


def _pruned(served, models_dir, first):
    shutil.rmtree(models_dir / first)
    return first


@pytest.mark.parametrize(
    ("make_target", "message"),
    [
        (_candidate, "was never put in service"),
        (lambda *_: "19990101-000000", "was never put in service"),
        (_pruned, "is recorded in HISTORY.jsonl but its folder is gone"),
    ],
)
def test_rollback_to_refuses_bundle_it_cannot_put_back(
    served, models_dir, make_target, message
):
    first, second = served_twice(served, models_dir)
    target = make_target(served, models_dir, first)

    with pytest.raises(
        bundles.BundleError,
        match=f"bundle {target} {message} .*can be put back: .*{second}$",
    ):
        rollback(models_dir, to=target)

    assert bundles.current_version(models_dir) == second


def test_rollback_refuses_while_the_lock_is_held(served, models_dir):
    first, second = served_twice(served, models_dir)

    with (
        FileLock(models_dir / LOCK_FILE),
        pytest.raises(RetrainBusy, match="already running"),
    ):
        rollback(models_dir, to=first)

    assert bundles.current_version(models_dir) == second


def test_bundle_promote_without_history_does_not_vouch_for_current(served, models_dir):
    first, second = served_twice(served, models_dir)
    (models_dir / bundles.HISTORY).unlink()  # deleted, or a folder from before it
    repin(models_dir, first)

    bundles.promote(models_dir, second)

    history = bundles.promotion_history(models_dir)
    assert [r["version"] for r in history] == [second]
    with pytest.raises(bundles.BundleError, match="was never put in service"):
        rollback(models_dir, to=first)


@pytest.mark.parametrize("line", ["{not json", "[1, 2]", '{"version": "x"}'])
def test_bundle_promotion_history_refuses_damaged_line(served, models_dir, line):
    served_twice(served, models_dir)
    with open(models_dir / bundles.HISTORY, "a", encoding="utf-8") as history:
        history.write(line + "\n")

    with pytest.raises(bundles.BundleError, match="line 3 is not a promotion record"):
        bundles.promotion_history(models_dir)


def test_bundle_current_refuses_pointer_without_manifest_hash(copy, models_dir):
    (models_dir / bundles.POINTER).write_text(f"{copy.name}\n", encoding="utf-8")

    with pytest.raises(
        bundles.BundleError,
        match=f"CURRENT names bundle {copy.name} but pins no manifest.json "
        "SHA-256 .*; run 'xl-risk retrain' to rewrite it$",
    ):
        bundles.current(models_dir)


def test_bundle_current_without_manifest_hash_names_rollback_when_history_exists(
    served, models_dir
):
    _, second = served_twice(served, models_dir)
    (models_dir / bundles.POINTER).write_text(f"{second}\n", encoding="utf-8")

    with pytest.raises(
        bundles.BundleError,
        match=r"pins no manifest.json SHA-256 .*; run 'xl-risk rollback' \(the "
        r"bundle that served before\), 'xl-risk rollback --to VERSION' .* or "
        "'xl-risk retrain' to rewrite it$",
    ):
        bundles.current(models_dir)


@pytest.mark.parametrize("to", [None, "second"])
def test_cli_rollback_repairs_pointer_without_manifest_hash(served, models_dir, to):
    first, second = served_twice(served, models_dir)
    (models_dir / bundles.POINTER).write_text(f"{second}\n", encoding="utf-8")
    target = second if to else first

    result = run("rollback", *(["--to", second] if to else []), "--models", models_dir)

    assert result.stdout == f"in service: {target}\n"
    manifest = models_dir / target / bundles.MANIFEST
    assert (models_dir / bundles.POINTER).read_text(encoding="utf-8").split() == [
        target,
        bundles.sha256(manifest),
    ]
    assert bundles.current(models_dir).version == target


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_cli_rollback_to_restores_and_refuses_swapped(served, models_dir):
    first, second = served_twice(served, models_dir)

    back = run("rollback", "--models", models_dir)
    forward = run("rollback", "--to", second, "--models", models_dir)
    swap_artifact(models_dir / first)
    refused = run("rollback", "--models", models_dir)

    assert back.stdout == f"in service: {first}\n"
    assert forward.stdout == f"in service: {second}\n"
    assert refused.exit_code == EXIT_BUNDLE
    assert refused.stderr.startswith(f"error: bundle {first}: manifest.json has")
    assert refused.stderr.count("\n") == 1
    assert bundles.current_version(models_dir) == second


@pytest.mark.parametrize("blank", ["", "  "])
def test_cli_rollback_to_nothing_is_a_usage_error_and_rolls_nothing_back(
    served, models_dir, blank
):
    _, second = served_twice(served, models_dir)

    done = run("rollback", "--to", blank, "--models", models_dir)

    assert done.exit_code == 2
    assert "Invalid value for '--to': expected a bundle version, got nothing" in (
        done.stderr
    )
    assert bundles.current_version(models_dir) == second


@pytest.fixture
def private_umask():
    """A umask that makes every new file private to its owner, as some set it."""
    before = os.umask(0o077)
    yield
    os.umask(before)


def test_bundle_files_are_readable_by_everyone_whatever_the_umask(
    served, models_dir, private_umask
):
    _, second = served_twice(served, models_dir)
    write_model_card(served.manifest, models_dir / second / CARD_NAME)

    written = [models_dir, *models_dir.rglob("*")]
    modes = {p.relative_to(models_dir).as_posix(): p.stat().st_mode for p in written}

    files = [bundles.MANIFEST, CARD_NAME, *(f"{a}.joblib" for a in bundles.ARTIFACTS)]
    expected = {bundles.POINTER, bundles.HISTORY, *(f"{second}/{f}" for f in files)}
    assert expected < set(modes)
    for name, mode in modes.items():
        wanted = bundles.READABLE_DIR if stat.S_ISDIR(mode) else bundles.READABLE_FILE
        assert (name, stat.S_IMODE(mode)) == (name, wanted)


def repin(models_dir, version: str) -> None:
    """Rewrite CURRENT to pin the manifest as it is now, as an attacker would."""
    manifest = bundles.sha256(models_dir / version / bundles.MANIFEST)
    (models_dir / bundles.POINTER).write_text(
        f"{version} {manifest}\n", encoding="utf-8"
    )


def test_bundle_current_refuses_bundle_swapped_with_current_rewritten(
    served, models_dir
):
    _, second = served_twice(served, models_dir)
    swap_artifact(models_dir / second)
    repin(models_dir, second)

    with pytest.raises(
        bundles.BundleError,
        match=f"CURRENT pins manifest.json SHA-256 .* for bundle {second}, not .* "
        "as recorded in HISTORY.jsonl when it was first put in service; "
        "refusing to load it; run 'xl-risk rollback'",
    ):
        bundles.current(models_dir)


def test_bundle_current_refuses_bundle_never_put_in_service(served, models_dir):
    served_twice(served, models_dir)
    candidate = write_version(served, models_dir)
    repin(models_dir, candidate)

    with pytest.raises(
        bundles.BundleError,
        match=f"CURRENT names bundle {candidate}, which HISTORY.jsonl does not "
        "record as ever put in service; refusing to load it",
    ):
        bundles.current(models_dir)


def test_bundle_current_checks_again_when_current_is_rewritten(served, models_dir):
    _, second = served_twice(served, models_dir)
    assert bundles.current(models_dir).version == second  # now cached
    swap_artifact(models_dir / second)
    repin(models_dir, second)

    with pytest.raises(bundles.BundleError, match="recorded in HISTORY.jsonl"):
        bundles.current(models_dir)


@pytest.mark.parametrize(("history", "state"), [(None, "missing"), ("", "empty")])
def test_bundle_current_refuses_current_without_history(
    copy, models_dir, history, state
):
    repin(models_dir, copy.name)
    if history is not None:
        (models_dir / bundles.HISTORY).write_text(history, encoding="utf-8")

    with pytest.raises(
        bundles.BundleError,
        match=f"names bundle {copy.name}, but .*HISTORY.jsonl is {state}, so "
        "nothing vouches for the bundle; refusing to load it; restore "
        "HISTORY.jsonl from a backup .*'xl-risk rollback --to VERSION'.* "
        "or run 'xl-risk retrain'",
    ):
        bundles.current(models_dir)


class CreatesAFile:
    """A pickle that creates a file when it is loaded, as a malicious one would
    run any code."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return open, (self.path, "w")


def serve_payload_without_history(served, models_dir, marker) -> str:
    """The attack: pd.joblib rewritten with a malicious pickle, its hash in the
    manifest and CURRENT rewritten to match, HISTORY.jsonl deleted."""
    _, second = served_twice(served, models_dir)
    joblib.dump(CreatesAFile(marker), models_dir / second / "pd.joblib")
    digest = bundles.sha256(models_dir / second / "pd.joblib")
    edit_manifest(
        models_dir / second, lambda m: m["artifacts"].update({"pd.joblib": digest})
    )
    repin(models_dir, second)
    (models_dir / bundles.HISTORY).unlink()
    return second


@pytest.mark.parametrize("command", ["info", "score", "udf"])
def test_cli_and_udf_refuse_a_malicious_bundle_once_the_history_is_deleted(
    served, models_dir, tmp_path, monkeypatch, command
):
    marker = tmp_path / "created-by-the-pickle"
    serve_payload_without_history(served, models_dir, marker)
    applications = tmp_path / "applications.csv"
    sample_applications().to_csv(applications, index=False)

    if command == "udf":
        monkeypatch.setenv(bundles.MODELS_ENV, str(models_dir))
        got = udfs.RISK_PD([convert.sheet_rows(sample_applications())[0]])
        assert "so nothing vouches for the bundle" in got
    else:
        files = [applications, "-o", tmp_path / "s.csv"] if command == "score" else []
        result = run(command, *files, "--models", models_dir)
        assert result.exit_code == EXIT_BUNDLE
        assert "HISTORY.jsonl is missing" in result.stderr
        assert "'xl-risk retrain'" in result.stderr
        assert "Traceback" not in result.output

    assert not marker.exists()


def wider_pd(bundle) -> PDModel:
    names = [*bundle.encoder.names, "extra_1", "extra_2"]
    return PDModel(None, np.zeros(len(names)), 0.0, names)


def wider_fraction(bundle) -> FractionModel:
    matrix = np.zeros((2, len(bundle.encoder.names) + 2))
    return FractionModel("mean", DummyRegressor().fit(matrix, [0.0, 1.0]), 0.5)


def renamed_pd(bundle) -> PDModel:
    names = ["renamed", *bundle.encoder.names[1:]]
    model = bundle.pd_model
    return PDModel(None, model.coef.copy(), model.intercept, names)


@pytest.mark.parametrize(
    ("artifact", "make", "message"),
    [
        ("pd", wider_pd, "pd.joblib has {wide} coefficients but encoder.joblib "
         "makes {n} features"),
        ("ead", wider_fraction, "ead.joblib has {wide} input columns but "
         "encoder.joblib makes {n} features"),
        ("lgd", wider_fraction, "lgd.joblib has {wide} input columns but "
         "encoder.joblib makes {n} features"),
        ("pd", lambda b: b.lgd_model, "pd.joblib holds FractionModel, expected "
         "PDModel"),
        ("encoder", lambda b: b.pd_model, "encoder.joblib holds PDModel, expected "
         "Encoder"),
        ("pd", renamed_pd, "pd.joblib was fitted with feature 1 'renamed' where "
         "encoder.joblib makes '{first}'"),
    ],
    ids=["pd-width", "ead-width", "lgd-width", "pd-kind", "encoder-kind", "pd-names"],
)  # fmt: skip
def test_bundle_load_refuses_artifacts_that_do_not_fit(
    served, models_dir, artifact, make, message
):
    objects = {**objects_of(served), artifact: make(served)}
    version = bundles.write(models_dir, objects, {}).name
    n, first = len(served.encoder.names), served.encoder.names[0]

    expected = message.format(n=n, wide=n + 2, first=first)
    with pytest.raises(
        bundles.BundleError,
        match=f"^bundle {version}: {re.escape(expected)}; refusing to use it$",
    ):
        bundles.load(models_dir / version)


def serve_wider_pd_with_history_forged(served, models_dir) -> str:
    """A PD model of another width swapped into the bundle in service, its
    hash rewritten in the manifest, in CURRENT and in the history alike, so
    only the structure check is left to catch it."""
    _, second = served_twice(served, models_dir)
    joblib.dump(wider_pd(served), models_dir / second / "pd.joblib")
    digest = bundles.sha256(models_dir / second / "pd.joblib")
    edit_manifest(
        models_dir / second, lambda m: m["artifacts"].update({"pd.joblib": digest})
    )
    repin(models_dir, second)
    manifest = bundles.sha256(models_dir / second / bundles.MANIFEST)
    (models_dir / bundles.HISTORY).write_text(
        json.dumps({"version": second, "manifest_sha256": manifest}) + "\n",
        encoding="utf-8",
    )
    return second


@pytest.mark.parametrize("command", ["info", "score"])
def test_cli_refuses_pd_model_of_another_width_in_one_line(
    served, models_dir, tmp_path, command
):
    version = serve_wider_pd_with_history_forged(served, models_dir)
    applications = tmp_path / "applications.csv"
    sample_applications().to_csv(applications, index=False)
    files = [applications, "-o", tmp_path / "scores.csv"] if command == "score" else []

    result = run(command, *files, "--models", models_dir)

    n = len(served.encoder.names)
    assert result.exit_code == EXIT_BUNDLE
    assert result.stderr.endswith(
        f"error: bundle {version}: pd.joblib has {n + 2} coefficients but "
        f"encoder.joblib makes {n} features; refusing to use it\n"
    )


def test_udf_refuses_pd_model_of_another_width_in_one_line(
    served, models_dir, monkeypatch
):
    version = serve_wider_pd_with_history_forged(served, models_dir)
    monkeypatch.setenv(bundles.MODELS_ENV, str(models_dir))
    row = convert.sheet_rows(sample_applications())[0]

    got = udfs.RISK_PD([row])

    n = len(served.encoder.names)
    assert got == (
        f"bundle {version}: pd.joblib has {n + 2} coefficients but encoder.joblib "
        f"makes {n} features; refusing to use it"
    )


def test_retrain_does_not_unpickle_a_bundle_in_service_the_history_refuses(
    served, models_dir, monkeypatch, caplog
):
    _, second = served_twice(served, models_dir)
    swap_artifact(models_dir / second)
    repin(models_dir, second)
    unpickled = []
    monkeypatch.setattr(bundles.joblib, "load", unpickled.append)

    with caplog.at_level(logging.WARNING):
        found = _champion_metrics(models_dir, frame=None, splits=None)

    assert found == (second, None)
    assert unpickled == []
    assert re.search(r"cannot be compared: \S+CURRENT pins manifest.json", caplog.text)
