from pathlib import Path

from pytest_piv.baselines.machine import Fingerprint, cpu_model, fingerprint, load_per_core


def test_the_fingerprint_is_stable_between_calls_and_keyed_by_a_short_digest() -> None:
    assert fingerprint().digest == fingerprint().digest
    assert len(fingerprint().digest) == 12


def test_the_fingerprint_holds_no_host_name_and_only_the_python_minor_version() -> None:
    fields = fingerprint().fields
    assert set(fields) == {"cpu", "cores", "arch", "os", "python"}
    assert fields["python"].count(".") == 1


def test_timing_options_change_the_fingerprint_but_round_counts_do_not() -> None:
    plain = fingerprint({"timer": "perf_counter", "min_rounds": 5})
    assert plain.digest == fingerprint({"timer": "perf_counter", "min_rounds": 50}).digest
    assert plain.digest != fingerprint({"timer": "process_time"}).digest


def test_a_configured_machine_name_replaces_the_digest_as_key() -> None:
    assert fingerprint().key("ci-large") == "ci-large"
    assert fingerprint().key(None) == fingerprint().digest


def test_differences_name_each_changed_field_old_to_new() -> None:
    old = Fingerprint({"python": "CPython 3.11", "cores": "2"})
    new = Fingerprint({"python": "CPython 3.12", "cores": "2"})
    assert new.differences(old) == ["python: CPython 3.11 -> CPython 3.12"]
    assert Fingerprint.from_json(new.to_json()) == new


def test_the_cpu_model_comes_from_cpuinfo(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Example  CPU @ 2.0GHz\n")
    assert cpu_model(info) == "Example CPU @ 2.0GHz"
    assert cpu_model(tmp_path / "absent")


def test_load_is_a_per_core_fraction() -> None:
    load = load_per_core()
    assert load is None or load >= 0
