"""The status page in a real browser (Debian chromium + chromedriver, driven by Selenium).

The page renders /status.json with JavaScript; the test reads what a person would see: targets,
state, the rulebook each device matched and why, its unified metrics, errors — and no secret.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from netrosetta.collectors.snmp.lab import snmpsim_agent
from tests.reliability.harness import (
    LAB_SNMPREC,
    ROOT,
    ServiceProcess,
    UdpAgent,
    snmp_target,
    wait_for,
    write_yaml,
)

pytestmark = pytest.mark.live

CHROMIUM = "/usr/bin/chromium"
DRIVER = "/usr/bin/chromedriver"
SECRET = "page-Secret-41c9"


def _browser(profile: str):  # type: ignore[no-untyped-def]
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        pytest.skip("Debian chromium and chromium-driver are not installed (scripts/setup.sh installs them)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    # an explicit driver path: Selenium Manager never downloads anything
    return webdriver.Chrome(service=Service(executable_path=DRIVER), options=opts)


@contextlib.contextmanager
def _status_page(tmp_path: Path, community: str, env: dict[str, str] | None = None,
                 **extra: Any) -> Iterator[Any]:
    """A service polling a good and a dead target; yields chromium showing its /status once both were polled."""
    silent = UdpAgent(lambda _d: None)
    profile = tempfile.mkdtemp(prefix="nr-chromium-")
    with snmpsim_agent({community: LAB_SNMPREC}) as agent:
        good = snmp_target("lab-switch-1", agent.port)
        if env:
            good["credentials"] = {"community": f"env:{next(iter(env))}"}
        cfg = write_yaml(tmp_path / "config.yaml", {
            "defaults": {"interval": 2.0, "poll_timeout": 1.5},
            "targets": {"snmp": [good, snmp_target("dead-switch", silent.port)]},
            "outputs": {"from_env": False},
            "http": {"listen": "127.0.0.1:0"},
            "self_telemetry": {"enabled": False},
        } | extra)
        svc = ServiceProcess(cfg, tmp_path / "service.log", env=env).start(120)
        driver = None
        try:
            wait_for(lambda: svc.target("snmp/lab-switch-1")["state"] == "ok"
                     and svc.target("snmp/dead-switch")["state"] == "failed", 60, "both targets polled")
            driver = _browser(profile)
            driver.set_page_load_timeout(20)
            driver.get(f"http://127.0.0.1:{svc.http_port}/status")
            yield driver
        finally:
            if driver is not None:
                driver.quit()
            svc.stop()
            silent.close()
            shutil.rmtree(profile, ignore_errors=True)


def test_status_page_in_chromium(tmp_path: Path) -> None:
    with _status_page(tmp_path, SECRET, env={"PAGE_COMMUNITY": SECRET}) as driver:
        from selenium.webdriver.common.by import By

        def row(key: str) -> list[str] | None:
            for tr in driver.find_elements(By.CSS_SELECTOR, "#targets tbody tr"):
                if tr.get_attribute("data-target") == key:
                    return [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
            return None

        good_row = wait_for(lambda: row("snmp/lab-switch-1"), 15, "the page to render the targets")
        dead_row = wait_for(lambda: row("snmp/dead-switch"), 5, "the dead target's row")
        assert good_row[2] == "ok"
        version = yaml.safe_load((ROOT / "mappings" / "generic" / "snmp.yaml").read_text())["version"]
        assert f"generic/snmp@{version}" in good_row[6]
        assert "generic" in good_row[6].lower() and "\n" in good_row[6]   # the why, under the id
        assert "hw.network.io" in good_row[7] and "system.cpu.utilization" in good_row[7]
        assert int(good_row[5]) > 100
        assert dead_row[2] == "failed" and "timeout" in dead_row[8]
        assert re.fullmatch(r"\d+ / \d+", good_row[9])                  # missed / late polls
        sched = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "#schedule tbody td")]
        assert len(sched) == 6 and "collections" in sched[5] and sched[2].endswith(" s")
        checks = {tr.get_attribute("data-check"): [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
                  for tr in driver.find_elements(By.CSS_SELECTOR, "#checks tbody tr")}
        assert checks["started"][1] == "ok" and checks["polls"][1] == "ok"   # the Health table
        outputs = driver.find_element(By.ID, "summary").text
        assert "ready" in outputs and "2 targets" in outputs
        # counters read with a rate once the page has two samples (it refreshes every 3 s)
        rate = wait_for(lambda: re.search(r"points translated", driver.find_element(By.ID, "summary").text)
                        and re.search(r"\(([\d.,]+)/s\) points translated",
                                      driver.find_element(By.ID, "summary").text), 15, "a rate in the summary")
        assert float(rate.group(1).replace(",", "")) > 0      # a 2 s interval poll keeps translating
        assert SECRET not in driver.page_source


def test_status_page_of_an_instance_with_workers(tmp_path: Path) -> None:
    """`workers: 2`: the supervisor's page shows every target as its worker reports it, the workers
    table and each worker's checks."""
    with _status_page(tmp_path, "lab", workers=2, instance="page") as driver:
        from selenium.webdriver.common.by import By

        def rows(css: str) -> list[list[str]]:
            return [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
                    for tr in driver.find_elements(By.CSS_SELECTOR, css)]

        targets = wait_for(lambda: (r := rows("#targets tbody tr")) and len(r) == 2 and r, 15, "the targets")
        assert sorted(r[2] for r in targets) == ["failed", "ok"]
        workers = wait_for(lambda: (r := rows("#workers tbody tr")) and len(r) == 2 and r, 15, "the workers")
        assert [(w[0], w[2]) for w in workers] == [("page/w0", "yes"), ("page/w1", "yes")]
        checks = {tr.get_attribute("data-check") for tr in driver.find_elements(By.CSS_SELECTOR, "#checks tbody tr")}
        assert {"worker page/w0", "worker page/w1", "page/w0: polls", "page/w1: polls"} <= checks
        # the schedule and GC table: the workers' missed/late counts and collections summed
        sched = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "#schedule tbody td")]
        assert len(sched) == 6 and "collections" in sched[5], sched
