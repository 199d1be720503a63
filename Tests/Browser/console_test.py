#!/usr/bin/env python3
"""Browser test of the Lifeboat console: headless Chromium driven by Selenium against a live daemon.

Started by ConsoleBrowserTests.swift, which runs a daemon on a loopback port and passes:
  LIFEBOAT_URL            base URL of the daemon (http://127.0.0.1:PORT)
  LIFEBOAT_OPERATOR_TOKEN an operator token
  LIFEBOAT_VIEWER_TOKEN   a viewer token
  LIFEBOAT_RESTORE_TARGET an absolute directory to restore into (must not exist yet)
  LIFEBOAT_ARTIFACTS      directory for screenshots
With the argument node_restore it runs only the node restore flow, which needs instead:
  LIFEBOAT_ADMIN_TOKEN    an admin token
  LIFEBOAT_NODE           the node to restore (the demo node, killed and its datadir deleted)
  LIFEBOAT_IDENTITY_FILE  the age identity file that decrypts the node's identity dumps
Exits 0 when every step passed; prints the failing step otherwise.
"""
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ["LIFEBOAT_URL"]
OPERATOR = os.environ.get("LIFEBOAT_OPERATOR_TOKEN", "")
VIEWER = os.environ.get("LIFEBOAT_VIEWER_TOKEN", "")
TARGET = os.environ.get("LIFEBOAT_RESTORE_TARGET", "")
ADMIN = os.environ.get("LIFEBOAT_ADMIN_TOKEN", "")
NODE = os.environ.get("LIFEBOAT_NODE", "n1")
IDENTITY_FILE = os.environ.get("LIFEBOAT_IDENTITY_FILE", "")
FINISHED = ("Completed", "Failed", "PartiallyFailed", "Cancelled")
ARTIFACTS = os.environ.get("LIFEBOAT_ARTIFACTS", ".build/test-artifacts/console")


def browser(width, height, phone=False):
    options = Options()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={width},{height}"):
        options.add_argument(arg)
    if phone:
        options.add_experimental_option(
            "mobileEmulation", {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2, "touch": True}})
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    # Under load a page may take a moment: find_element waits up to 10 s for an element.
    driver.implicitly_wait(10)
    driver.set_page_load_timeout(30)
    return driver


def shot(driver, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    driver.save_screenshot(os.path.join(ARTIFACTS, name + ".png"))


def sign_in(driver, token):
    driver.get(BASE + "/")
    WebDriverWait(driver, 30).until(EC.presence_of_element_located((By.ID, "token")))
    assert "/signin" in driver.current_url, driver.current_url
    # The token field has a label: accessible by name.
    label = driver.find_element(By.CSS_SELECTOR, "label[for=token]")
    assert label.text == "API token", label.text
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "form[action='/signin'] button[type=submit]").click()
    WebDriverWait(driver, 30).until(EC.presence_of_element_located((By.CSS_SELECTOR, "h1")))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Nodes", driver.page_source[:500]


def wait_text(driver, by, selector, text, timeout=60, reload=False):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if text in driver.find_element(by, selector).text:
                return
        except Exception:
            pass
        time.sleep(0.5)
        if reload:
            driver.refresh()
    raise AssertionError(f"{selector} never showed {text!r}; page: {driver.page_source[:2000]}")


def operator_flow():
    driver = browser(1280, 900)
    try:
        sign_in(driver, OPERATOR)
        shot(driver, "01-nodes")
        assert "n1" in driver.find_element(By.CSS_SELECTOR, ".cards").text

        # Create (replace) a backup schedule and see it listed with its next three runs.
        driver.get(BASE + "/nodes/n1/backups")
        summary = driver.find_element(By.CSS_SELECTOR, "details summary")
        summary.click()
        cron = driver.find_element(By.ID, "backup-cron")
        cron.clear()
        cron.send_keys("0 */6 * * *")
        maximum = driver.find_element(By.ID, "backup-max")
        maximum.clear()
        maximum.send_keys("5")
        Select(driver.find_element(By.ID, "backup-environment")).select_by_value("production")
        driver.find_element(By.CSS_SELECTOR, "#backup-schedule-form button[type=submit]").click()
        wait_text(driver, By.ID, "backup-schedule", "every 6 hours", timeout=30)
        schedule = driver.find_element(By.ID, "backup-schedule").text
        assert "0 */6 * * *" in schedule and "5" in schedule and "production" in schedule, schedule
        runs = driver.find_elements(By.CSS_SELECTOR, "#backup-schedule ol.next-runs li")
        assert len(runs) == 3, [r.text for r in runs]
        shot(driver, "02-schedule")

        # Run a backup and see it in the history.
        driver.find_element(By.ID, "run-backup").click()
        wait_text(driver, By.ID, "history", "Completed", timeout=180, reload=True)
        row = driver.find_element(By.CSS_SELECTOR, "#history tbody tr")
        assert "primary" in row.text, row.text
        shot(driver, "03-history")

        # Actions -> Restore -> confirmation naming what is overwritten -> live indicator reaches Completed.
        row.find_element(By.CSS_SELECTOR, "details.actions summary").click()
        row.find_element(By.LINK_TEXT, "Restore").click()
        WebDriverWait(driver, 30).until(EC.presence_of_element_located((By.ID, "restore-form")))
        alert = driver.find_element(By.CSS_SELECTOR, ".alert").text
        assert "overwrites" in alert and "data.db" in alert, alert
        shot(driver, "04-restore-confirm")
        target = driver.find_element(By.ID, "restore-target")
        target.clear()
        target.send_keys(TARGET)
        driver.find_element(By.ID, "confirm-restore").click()
        WebDriverWait(driver, 30).until(EC.presence_of_element_located((By.ID, "restore-status")))
        # No reload: the page's script polls the job and updates the indicator in place.
        WebDriverWait(driver, 180).until(
            lambda d: d.find_element(By.ID, "restore-status").get_attribute("data-state") in ("Completed", "Failed", "PartiallyFailed"))
        status = driver.find_element(By.ID, "restore-status")
        assert status.get_attribute("data-state") == "Completed", status.text
        assert "Completed" in status.find_element(By.CSS_SELECTOR, ".js-state").text
        assert status.find_element(By.TAG_NAME, "progress").get_attribute("value") in ("100", "100.0")
        assert "UTC" in status.find_element(By.CSS_SELECTOR, ".js-started").text
        shot(driver, "05-restore-completed")
        assert os.path.exists(os.path.join(TARGET, "data.db")), os.listdir(TARGET)

        # The identity dump list.
        driver.get(BASE + "/nodes/n1/identity")
        wait_text(driver, By.ID, "dumps", "Download encrypted", timeout=30)
        assert driver.find_elements(By.CSS_SELECTOR, "#dumps tbody tr"), "no identity dumps listed"
        assert "n1-iddump-" in driver.find_element(By.ID, "dumps").text, "the dump is listed by name"
        # The download is the age-encrypted file, fetched with the session cookie.
        href = driver.find_element(By.LINK_TEXT, "Download encrypted").get_attribute("href")
        head = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0]).then(r => r.text()).then(t => done(t.slice(0, 21))).catch(e => done(String(e)));", href)
        assert head == "age-encryption.org/v1", head
        shot(driver, "06-identity-dumps")

        # Storage and troubleshooting render.
        driver.get(BASE + "/storage")
        assert "Naive sizing" in driver.page_source
        shot(driver, "07-storage")
        driver.get(BASE + "/troubleshooting")
        assert driver.find_element(By.TAG_NAME, "h1").text == "Troubleshooting"
        shot(driver, "08-troubleshooting")

        # Keyboard: the skip link is the first thing Tab reaches.
        driver.get(BASE + "/")
        driver.find_element(By.TAG_NAME, "body").send_keys("\t")
        active = driver.switch_to.active_element
        assert active.get_attribute("class") == "skip", active.get_attribute("outerHTML")

        # Sign out ends the session.
        driver.find_element(By.CSS_SELECTOR, "form[action='/signout'] button").click()
        WebDriverWait(driver, 30).until(EC.presence_of_element_located((By.ID, "token")))
        driver.get(BASE + "/storage")
        assert "/signin" in driver.current_url, driver.current_url
    except Exception:
        shot(driver, "operator-failure")
        raise
    finally:
        driver.quit()


def viewer_flow():
    driver = browser(390, 844, phone=True)
    try:
        sign_in(driver, VIEWER)
        driver.get(BASE + "/nodes/n1/backups")
        wait_text(driver, By.ID, "history", "Completed", timeout=30)
        buttons = [b for b in driver.find_elements(By.CSS_SELECTOR, "#history button") if b.text == "Restore"]
        assert buttons, "the viewer sees no Restore button at all"
        assert all(not b.is_enabled() for b in buttons), "a viewer's Restore button is enabled"
        assert not driver.find_element(By.ID, "run-backup").is_enabled()
        shot(driver, "09-viewer-phone")
        # The page fits a phone: no horizontal scrolling of the whole page.
        width, viewport = driver.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert viewport <= 400 and width <= viewport, f"page is {width}px wide in a {viewport}px phone viewport"
    except Exception:
        shot(driver, "viewer-failure")
        raise
    finally:
        driver.quit()


def node_restore_flow():
    driver = browser(1280, 1000)
    try:
        sign_in(driver, ADMIN)
        driver.get(BASE + f"/nodes/{NODE}/backups")
        # The backup's own page: when each store was captured.
        driver.find_element(By.CSS_SELECTOR, "#history tbody tr a[href*='/backups/']").click()
        WebDriverWait(driver, 30).until(EC.presence_of_element_located((By.ID, "captures")))
        rows = driver.find_elements(By.CSS_SELECTOR, "#captures tbody tr")
        assert len(rows) >= 4, [r.text for r in rows]
        assert all("UTC" in r.text for r in rows), [r.text for r in rows]
        assert "live SQLite snapshot" in driver.find_element(By.ID, "captures").text
        shot(driver, "nr-01-backup-captures")

        # Plan from this backup, with the latest identity dump and its identity file.
        driver.find_element(By.ID, "plan-from-backup").click()
        WebDriverWait(driver, 30).until(EC.presence_of_element_located((By.ID, "node-restore-plan-form")))
        Select(driver.find_element(By.ID, "nr-dump")).select_by_value("latest")
        field = driver.find_element(By.ID, "nr-identity-file")
        field.clear()
        field.send_keys(IDENTITY_FILE)
        driver.find_element(By.ID, "plan-node-restore").click()
        WebDriverWait(driver, 60).until(EC.presence_of_element_located((By.ID, "plan")))
        planned = driver.find_elements(By.CSS_SELECTOR, "#plan tbody tr")
        assert len(planned) == 11, [r.text for r in planned]
        assert all("planned" in r.text for r in planned), [r.text for r in planned]
        shot(driver, "nr-02-plan")

        # Start it: the job page lists every step and the script updates them in place.
        driver.find_element(By.ID, "start-node-restore").click()
        WebDriverWait(driver, 30).until(EC.presence_of_element_located((By.ID, "steps")))
        assert "/jobs/" in driver.current_url, driver.current_url
        driver.execute_script("window.lifeboatNoReload = true;")
        shot(driver, "nr-03-started")
        # As for a page loaded before the job listed its steps: the script must add the rows itself.
        assert driver.find_element(By.ID, "job-status").get_attribute("data-state") not in FINISHED
        driver.execute_script("document.querySelectorAll('#steps tbody tr').forEach(function (r) { r.remove(); });")
        seen = set()
        done_while_running = set()
        state = ""
        deadline = time.time() + 240
        while time.time() < deadline:
            state = driver.find_element(By.ID, "job-status").get_attribute("data-state")
            for row in driver.find_elements(By.CSS_SELECTOR, "#steps tbody tr"):
                seen.add((row.get_attribute("data-step-id"), row.get_attribute("data-status")))
                if state == "Running" and row.get_attribute("data-status") == "done":
                    done_while_running.add(row.get_attribute("data-step-id"))
            if state in FINISHED:
                break
            time.sleep(0.2)
        time.sleep(1)
        assert driver.execute_script("return window.lifeboatNoReload === true;"), "the page was reloaded"
        rows = driver.find_elements(By.CSS_SELECTOR, "#steps tbody tr")
        assert len(rows) == 11, [r.text for r in rows]
        final = {r.get_attribute("data-step-id"): r.get_attribute("data-status") for r in rows}
        assert state == "Completed", f"{state}: {driver.find_element(By.ID, 'job-status').text}"
        for step in ("check", "stage", "stop", "move-aside", "restore-stores", "restore-side-files", "restore-keys", "start",
                     "wait-healthy", "verify"):
            assert final.get(step) == "done", f"{step}: {final}"
        for row in rows:
            badge = row.find_element(By.CSS_SELECTOR, ".js-step-status").text
            assert badge == row.get_attribute("data-status"), row.text
        changed = [s for s in seen if final.get(s[0]) != s[1]]
        assert changed, f"no step was seen before its final state: {sorted(seen)}"
        # Each step's outcome shows while the later steps still run, not only at the end.
        assert "check" in done_while_running, f"steps seen done while running: {sorted(done_while_running)}"
        shot(driver, "nr-04-completed")
    except Exception:
        shot(driver, "node-restore-failure")
        raise
    finally:
        driver.quit()


if __name__ == "__main__":
    flows = (node_restore_flow,) if sys.argv[1:] == ["node_restore"] else (operator_flow, viewer_flow)
    for step in flows:
        try:
            step()
            print(f"ok {step.__name__}")
        except Exception as error:  # report the step and fail
            print(f"FAILED {step.__name__}: {error!r}")
            sys.exit(1)
    sys.exit(0)
