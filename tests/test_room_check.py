"""The room check of notebook 00 says FAIL or WARN with a fix whenever a laptop falls short,
and OK on a machine fit for the workshop."""

from __future__ import annotations

import socket

import pytest

from lambdalab.workshop import room_check
from lambdalab.workshop.room_check import Check


def test_this_machine_passes_every_check_that_can_fail():
    checks = room_check.machine()
    assert [c.status for c in checks if c.status == "FAIL"] == [], checks
    assert len(checks) == 1 + len(room_check.PACKAGES) + 6


@pytest.mark.parametrize("version, status", [((3, 11, 0), "OK"), ((3, 13, 1), "OK"),
                                             ((3, 10, 12), "FAIL"), ((3, 9, 0), "FAIL")])
def test_python_older_than_3_11_fails_with_the_fix(version, status):
    check = room_check.python_version(version)
    assert check.status == status
    assert ("install Python 3.11+" in check.fix) == (status == "FAIL")


def test_a_missing_package_fails_naming_it_and_make_lab():
    check = room_check.package("no_such_package_for_the_workshop")
    assert check.status == "FAIL"
    assert "make lab" in check.fix and "no_such_package_for_the_workshop" in check.fix


@pytest.mark.parametrize("available_mb, status", [(600, "FAIL"), (1500, "WARN"), (8000, "OK")])
def test_memory_below_one_gigabyte_fails_and_below_two_warns(available_mb, status):
    check = room_check.memory(available_mb)
    assert check.status == status
    assert str(check).startswith(status)
    assert bool(check.fix) == (status != "OK")


@pytest.mark.parametrize("count, status", [(1, "WARN"), (2, "OK"), (8, "OK")])
def test_a_single_core_warns(count, status):
    assert room_check.cores(count).status == status


def test_too_little_disk_fails(tmp_path):
    assert room_check.disk(tmp_path, free_mb=100).status == "FAIL"
    assert room_check.disk(tmp_path).status == "OK"


def test_a_busy_serve_port_warns_with_another_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        check = room_check.serve_port(port)
    assert check.status == "WARN"
    assert "--port" in check.fix
    assert room_check.serve_port(port).status == "OK"  # released: free again


def test_blocked_loopback_fails_with_the_firewall_fix(monkeypatch):
    def refuse(self, address):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    check = room_check.loopback()
    assert check.status == "FAIL"
    assert "firewall" in check.fix and "Operation not permitted" in check.fix


def test_the_summary_says_what_to_do(capsys):
    room_check.show([Check("OK", "a"), Check("WARN", "b", "mind it")])
    assert capsys.readouterr().out.splitlines()[-1] == "ready; WARN: 1, to keep in mind"
    room_check.show([Check("OK", "a"), Check("FAIL", "b", "fix it"), Check("FAIL", "c", "x")])
    assert capsys.readouterr().out.splitlines()[-1].startswith("FAIL: 2. Fix each before going on")
    room_check.show([Check("OK", "a")])
    assert capsys.readouterr().out.splitlines()[-1] == "ready"


def test_a_proxy_that_would_carry_the_local_clouds_traffic_fails_and_no_proxy_fixes_it(
        monkeypatch):
    """botocore proxies loopback URLs too unless NO_PROXY exempts them, so the check's
    verdict is what a client of the local cloud meets (the proxy here is a closed
    loopback port: nothing leaves the machine)."""
    import botocore.exceptions

    from lambdalab import LocalCloud

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead_proxy = f"http://127.0.0.1:{closed.getsockname()[1]}"
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", dead_proxy)
    with LocalCloud() as cloud:
        check = room_check.proxy(cloud.endpoint_url)
        assert check.status == "FAIL" and dead_proxy in check.label
        with pytest.raises(botocore.exceptions.ProxyConnectionError):
            cloud.client("lambda").list_functions()
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        assert room_check.proxy(cloud.endpoint_url).status == "OK"
        assert cloud.client("lambda").list_functions()["Functions"] == []


def test_a_japanese_notebook_checks_for_a_font_its_figures_need(monkeypatch):
    from lambdalab import translation

    monkeypatch.setenv(translation.ENVIRONMENT, "en")
    assert "Japanese font" not in "\n".join(str(c) for c in room_check.machine())
    monkeypatch.setenv(translation.ENVIRONMENT, "ja")
    assert room_check.japanese_font("Noto Sans CJK JP").status == "OK"
    monkeypatch.setattr("lambdalab.cjk_font.installed_cjk_font", lambda: None)
    missing = room_check.japanese_font()
    assert missing.status == "WARN" and "fonts-noto-cjk" in missing.fix
    assert str(missing).startswith("WARN  図の日本語フォント")
