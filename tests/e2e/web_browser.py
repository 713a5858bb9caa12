#!/usr/bin/python3
"""The web in a real browser (F12): Debian's chromium through chromium-driver and python3-selenium,
headless, with JavaScript switched off (the pages must work without it), against the real taratd.

    web_browser.py --taratd build/bin/taratd --taratctl build/bin/taratctl --plugin-dir build/plugins --keep build/tests

The deputy head signs in with a one-time link and sees one event not confirmed; the centre's
director opens the link in their held check notice and records it held with 25 participants; the
deputy head's overview changes; she signs out. Screenshots of the overview and the event page are
kept as KEEP/web-overview.png and KEEP/web-event.png.
"""
import argparse
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ROOT = pathlib.Path(__file__).resolve().parents[2]


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print("ok:", what)


def after_click(driver, button, arrived):
    """Clicks a form's button and waits (up to 30 s) until the page it leads to has loaded:
    WebDriver need not wait for a navigation a click starts, and on a busy machine it did not."""
    old = driver.find_element(By.TAG_NAME, "html")
    button.click()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if old.id != driver.find_element(By.TAG_NAME, "html").id and arrived():
                return
        except Exception:  # the old page went mid-read: look again
            pass
        time.sleep(0.05)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--taratd", required=True)
    ap.add_argument("--taratctl", required=True)
    ap.add_argument("--plugin-dir", required=True)
    ap.add_argument("--keep", required=True)
    a = ap.parse_args()
    keep = pathlib.Path(a.keep)
    keep.mkdir(parents=True, exist_ok=True)
    work = pathlib.Path(tempfile.mkdtemp(prefix="tarat-web-browser-"))
    shutil.copytree(ROOT / "etc", work / "etc")
    config = work / "etc/tarat.toml"
    config.write_text(config.read_text().replace('listen = "127.0.0.1:8553"', 'listen = "127.0.0.1:0"'))
    sock, log_file = work / "tarat.sock", work / "taratd.log"
    daemon = subprocess.Popen([a.taratd, "run", "--config", str(config), "--state-dir", str(work / "state"),
                               "--socket", str(sock), "--plugin-dir", a.plugin_dir,
                               "--pretend-now", "2026-12-11T10:00:00+05:00"],
                              stdout=open(log_file, "w"), stderr=subprocess.STDOUT)
    driver = None
    try:
        port = None
        for _ in range(300):
            m = re.search(r"web: listening on 127\.0\.0\.1:(\d+)", log_file.read_text())
            if m and sock.exists():
                port = int(m.group(1))
                break
            time.sleep(0.1)
        check(port is not None, "taratd serves the web")
        base = f"http://127.0.0.1:{port}"

        def ctl(*args):
            return json.loads(subprocess.run([a.taratctl, "--socket", str(sock), *args, "--json"], check=True,
                                             capture_output=True, text=True).stdout)

        link = None
        for _ in range(300):
            notices = work / "state/notices.jsonl"
            for line in (notices.read_text().splitlines() if notices.exists() else []):
                n = json.loads(line)
                if n["kind"] == "held_check" and n["recipient"] == "director-erkemai" and "links" in n["json"]:
                    link = n["json"]["links"]["event"]
            if link:
                break
            time.sleep(0.1)
        check(link is not None and "/e/" in link, "the held check carries the director's link")
        check(link in next(json.loads(l) for l in notices.read_text().splitlines()
                           if json.loads(l)["kind"] == "held_check" and json.loads(l)["recipient"] == "director-erkemai")["body"],
              "the notice's text carries the link too")

        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,1500",
                    f"--user-data-dir={work / 'profile'}"):
            options.add_argument(arg)
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)

        # The deputy head signs in with the one-time link taratctl web-login prints.
        url = ctl("web-login", "bertleuova")["url"]
        driver.get(base + url[url.index("/login/"):])
        after_click(driver, driver.find_element(By.ID, "sign-in"), lambda: driver.find_elements(By.ID, "card-not-confirmed"))
        before = int(driver.find_element(By.ID, "card-not-confirmed").text)
        check(before == ctl("status")["counts"]["not_confirmed"] and before >= 1, f"the overview: {before} not confirmed, as status says")
        check("09.12.2026" in driver.page_source, "dates as DD.MM.YYYY")

        # The director opens the link in their notice and records the event held.
        driver.get(base + link[link.index("/e/"):])
        check("«Еркемай»" in driver.page_source, "the link opens the event")
        form = driver.find_element(By.ID, "held")
        form.find_element(By.NAME, "participants").send_keys("25")
        after_click(driver, form.find_element(By.TAG_NAME, "button"), lambda: driver.find_elements(By.ID, "participants"))
        check(driver.find_element(By.ID, "participants").text == "25", "held with 25 participants, shown on the page")
        check(ctl("event", "erkemai-seminar-1")["event"]["state"] == "held", "the store says held")
        check("«Еркемай» меңгерушісі via web" in driver.page_source, "the history names the director, via web")
        driver.save_screenshot(str(keep / "web-event.png"))

        # The deputy head's overview has changed; she switches to Russian, then signs out.
        driver.get(base + "/")
        check(int(driver.find_element(By.ID, "card-not-confirmed").text) == before - 1, "the overview: one fewer not confirmed")
        driver.get(base + "/?lang=ru")
        check("Проведение не подтверждено" in driver.page_source, "the overview in Russian")
        driver.save_screenshot(str(keep / "web-overview.png"))
        after_click(driver, driver.find_element(By.CSS_SELECTOR, "form.inline button"), lambda: driver.current_url.endswith("/login"))
        check(driver.current_url.endswith("/login"), "signed out: the sign-in page")
        driver.get(base + "/")
        check(driver.current_url.endswith("/login"), "the dashboard needs a sign-in again")
        print("screenshots:", keep / "web-overview.png", keep / "web-event.png")
        return 0
    finally:
        if driver:
            driver.quit()
        daemon.terminate()
        daemon.wait(20)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
