#!/usr/bin/env python3
"""The web studio in a real browser (Debian's chromium, driven by Selenium through Debian's chromedriver).

Starts `mixdown serve` with an API key and a separate `mixdown worker` on a temporary SQLite store and
storage folder, makes its media with ffmpeg's lavfi sources, and walks the studio as a person would:
the key prompt (a wrong key, then the right one), an upload whose progress bar reaches 100%, the
waveform, every example recipe valid, a preview that plays, a save whose file downloads, an invalid
recipe whose error shows at its line, cancel and retry from the job list, and the page at phone width.
Screenshots of each state go to .build/studio-artifacts/ (or $STUDIO_ARTIFACTS); nothing is committed.

Run from the repository root after `swift build`: python3 Tests/Studio/studio_test.py
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.request

os.environ["SE_AVOID_STATS"] = "true"  # Selenium Manager must not contact any outside host.

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.path.join(ROOT, ".build", "debug", "mixdown")
ARTIFACTS = os.environ.get("STUDIO_ARTIFACTS", os.path.join(ROOT, ".build", "studio-artifacts"))
KEY = "studio-test-key-0123456789"
# Generous bounds for a loaded 2-core machine: each wait ends as soon as its condition holds.
WAIT = 120


class Process:
    """A mixdown process whose output is kept in a log; `serve` is read until it prints its address."""

    def __init__(self, name, args, env, log_dir, wait_for=None):
        self.name = name
        self.log_path = os.path.join(log_dir, f"{name}.log")
        self.process = subprocess.Popen(
            [BINARY, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        self.found = None
        log = open(self.log_path, "w")
        if wait_for:
            for line in self.process.stdout:
                log.write(line)
                if wait_for in line:
                    self.found = line
                    break
            if self.found is None:
                log.close()
                raise SystemExit(f"{name} ended before printing '{wait_for}':\n{open(self.log_path).read()}")
        # Drain the rest into the log so the process never blocks on a full pipe.
        self.drain = threading.Thread(target=self._drain, args=(log,), daemon=True)
        self.drain.start()

    def _drain(self, log):
        for line in self.process.stdout:
            log.write(line)
            log.flush()
        log.close()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.drain.join(timeout=10)


def ffprobe_duration(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", path], check=True, capture_output=True, text=True
    ).stdout
    return float(json.loads(out)["format"]["duration"])


def main():
    if not os.access(BINARY, os.X_OK):
        raise SystemExit(f"build first: {BINARY} is missing")
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    os.makedirs(ARTIFACTS)
    work = tempfile.mkdtemp(prefix="mixdown-studio-")
    downloads = os.path.join(work, "downloads")
    os.makedirs(downloads)
    # Eight seconds of a voice-like tone over noise, stereo at 48 kHz.
    speech = os.path.join(work, "speech.wav")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=f=220:d=8:sample_rate=48000", "-f", "lavfi",
         "-i", "anoisesrc=d=8:c=pink:a=0.02:r=48000", "-filter_complex", "amix=inputs=2:normalize=0,aformat=channel_layouts=stereo",
         "-ar", "48000", speech],
        check=True,
    )
    env = dict(os.environ)
    env.update(
        MIXDOWN_STORE=f"sqlite:{work}/store.sqlite",
        MIXDOWN_STORAGE=f"{work}/storage",
        MIXDOWN_API_KEYS=KEY,
        MIXDOWN_SIGNING_KEY="studio-test-signing-key-0123456789abcdef",
    )
    env.pop("DEPLOY_ENV", None)
    server = Process("serve", ["serve", "--port", "0"], env, work, wait_for="listening on http")
    url = server.found.split("listening on ")[1].split()[0]
    worker = Process("worker", ["worker"], env, work)
    driver = None
    passed = False
    step = "start"
    try:
        options = webdriver.ChromeOptions()
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                         "--autoplay-policy=no-user-gesture-required", "--window-size=1280,1800"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
        driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
        wait = WebDriverWait(driver, WAIT)
        by_id = lambda name: driver.find_element(By.ID, name)  # noqa: E731

        def click(css):
            """Clicks the element once it is there; rows are redrawn as events arrive, so a found element
            can go stale before the click lands: find it again then."""
            def attempt(d):
                try:
                    d.find_element(By.CSS_SELECTOR, css).click()
                    return True
                except (StaleElementReferenceException, NoSuchElementException):
                    return False
            wait.until(attempt, message=css)
        shot = lambda name: driver.save_screenshot(os.path.join(ARTIFACTS, f"{name}.png"))  # noqa: E731

        # 1. The page asks for the key, refuses a wrong one, takes the right one.
        step = "api key"
        driver.get(url + "/")
        wait.until(lambda d: by_id("key-panel").is_displayed())
        assert "needs an API key" in by_id("key-message").text, by_id("key-message").text
        shot("01-key-needed")
        by_id("key-input").send_keys("wrong-key-wrong-key-0000")
        by_id("key-save").click()
        wait.until(lambda d: "refused" in by_id("key-message").text)
        shot("02-key-refused")
        by_id("key-input").send_keys(KEY)
        by_id("key-save").click()
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        assert not by_id("key-panel").is_displayed()
        assert "MB" in by_id("caps").text and "min" in by_id("caps").text, by_id("caps").text

        # 2. Accessibility: every control has a name, the drop zone takes the keyboard.
        step = "labels"
        unlabelled = driver.execute_script(
            "return [...document.querySelectorAll('input, select, textarea, button')]"
            ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())"
            ".map(e => e.id || e.outerHTML)"
        )
        assert unlabelled == [], unlabelled
        assert by_id("drop").get_attribute("tabindex") == "0"

        # 3. Upload: the bar reaches 100% through the upload's own progress events.
        step = "upload"
        by_id("file").send_keys(speech)
        wait.until(lambda d: by_id("upload-progress").get_attribute("value") == "100")
        assert int(by_id("upload-progress").get_attribute("data-events") or "0") >= 1
        assert by_id("upload-percent").text == "100%"
        wait.until(lambda d: len(Select(by_id("asset")).options) == 1)
        assert "speech.wav" in Select(by_id("asset")).first_selected_option.text
        wait.until(lambda d: by_id("waveform").get_attribute("data-drawn") == "true")
        shot("03-uploaded-waveform")

        # 4. Every example recipe is valid, checked as the author sees it.
        step = "examples"
        examples = Select(by_id("example"))
        for index in range(len(examples.options)):
            examples.select_by_index(index)
            title = examples.options[index].text
            wait.until(lambda d: by_id("recipe-status").get_attribute("data-valid") == "true"
                       and by_id("recipe-errors").find_elements(By.TAG_NAME, "li") == []
                       and "Checking" not in by_id("recipe-status").text, message=title)
        # A param's field follows the recipe's default until the author types in it.
        examples.select_by_index(0)  # Clean up speech: param lufs, -16
        wait.until(lambda d: d.find_elements(By.ID, "param-lufs") and by_id("param-lufs").get_attribute("value") == "-16")
        driver.execute_script(
            "const e = document.getElementById('recipe'); e.value = e.value.replace('lufs: -16', 'lufs: -20');"
            "e.dispatchEvent(new Event('input'))"
        )
        wait.until(lambda d: by_id("param-lufs").get_attribute("value") == "-20")
        examples.select_by_index(1)  # Quick preview: EQ, boost, limiter; a param `boost`.
        wait.until(lambda d: d.find_elements(By.ID, "param-boost") and by_id("recipe-status").get_attribute("data-valid") == "true")
        assert by_id("param-boost").get_attribute("value") == "3"
        assert Select(by_id("input-voice")).first_selected_option.text == "speech.wav"

        # 5. Preview a 3 s window: the player starts as soon as the job ends.
        step = "preview"
        for name, value in (("preview-start", "1"), ("preview-length", "3")):
            by_id(name).clear()
            by_id(name).send_keys(value)
        by_id("preview").click()
        wait.until(lambda d: by_id("job-status").get_attribute("data-status") == "succeeded")
        wait.until(lambda d: d.execute_script("const p = document.querySelector('#job-outputs audio'); return p && p.currentTime > 0"))
        duration = driver.execute_script("return document.querySelector('#job-outputs audio').duration")
        assert abs(duration - 3) < 0.15, duration
        assert "preview" in by_id("job-status").text
        shot("04-preview-playing")

        # 6. Save the whole file and download it.
        step = "save"
        assert by_id("run").text == "Save"
        by_id("run").click()
        wait.until(lambda d: "(save): succeeded" in by_id("job-status").text)
        click("#job-outputs a[data-output='auditioned']")
        wait.until(lambda d: [f for f in os.listdir(downloads) if f.endswith(".mp3")])
        saved = os.path.join(downloads, [f for f in os.listdir(downloads) if f.endswith(".mp3")][0])
        assert abs(ffprobe_duration(saved) - 8) < 0.15, ffprobe_duration(saved)
        shot("05-saved")

        # 7. An invalid recipe: its error shows at its line, as it is typed.
        step = "invalid recipe"
        editor = by_id("recipe")
        editor.click()
        editor.send_keys(Keys.CONTROL, "a")
        editor.send_keys(Keys.DELETE)
        editor.send_keys(
            "version: 1\nkind: edit\nname: broken\ninputs:\n  voice: { upload: true }\nsteps:\n  - highpass: 80\n  - reverse_time: {}\noutputs:\n  out: { format: mp3 }\n"
        )
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#recipe-errors li[data-line='8']"))
        item = driver.find_element(By.CSS_SELECTOR, "#recipe-errors li[data-line='8']")
        assert "reverse_time" in item.text, item.text
        assert "error" in driver.find_element(By.CSS_SELECTOR, "#gutter div[data-line='8']").get_attribute("class")
        assert by_id("run").get_attribute("disabled") is not None
        shot("06-invalid-recipe")

        # 8. Cancel from the job list: with the worker stopped, a saved job waits in the queue.
        step = "cancel"
        worker.stop()
        examples.select_by_index(0)  # Clean up speech
        wait.until(lambda d: by_id("recipe-status").get_attribute("data-valid") == "true" and by_id("run").is_enabled())
        by_id("run").click()
        wait.until(lambda d: by_id("job-status").get_attribute("data-status") == "queued")
        queued = "#jobs tbody tr[data-status='queued']"
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, queued + " button[data-action='cancel']"))
        row_id = driver.find_element(By.CSS_SELECTOR, queued).get_attribute("data-job")
        click(f"#jobs tbody tr[data-job='{row_id}'] button[data-action='cancel']")
        row = f"#jobs tbody tr[data-job='{row_id}']"
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, row + "[data-status='cancelled']"))
        shot("07-cancelled")

        # 9. Retry it: the same job is queued again, and a worker started again runs it to the end.
        step = "retry"
        click(row + " button[data-action='retry']")
        wait.until(lambda d: by_id("job-status").get_attribute("data-status") == "queued")
        worker = Process("worker-2", ["worker"], env, work)
        wait.until(lambda d: "(save): succeeded" in by_id("job-status").text)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, row + "[data-status='succeeded'] a"))

        # 10. The job list filters by status (read in one script call: rows are redrawn as events arrive).
        step = "filters"
        statuses = "return [...document.querySelectorAll('#jobs tbody tr')].map(r => r.dataset.status)"
        Select(by_id("filter-type")).select_by_visible_text("preview")
        wait.until(lambda d: d.execute_script(statuses) == ["succeeded"])
        Select(by_id("filter-type")).select_by_visible_text("any")
        Select(by_id("filter-status")).select_by_visible_text("cancelled")
        wait.until(lambda d: d.execute_script(statuses) == [])
        Select(by_id("filter-status")).select_by_visible_text("succeeded")
        wait.until(lambda d: len(d.execute_script(statuses)) == 4 and set(d.execute_script(statuses)) == {"succeeded"})
        Select(by_id("filter-status")).select_by_visible_text("any")

        # 11. Phone width (360 px): nothing wider than the screen.
        step = "phone width"
        driver.set_window_size(360, 780)
        overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, overflow
        shot("08-phone")

        # 12. The page broke no rule of its Content-Security-Policy and loaded nothing from elsewhere.
        step = "csp"
        problems = [entry["message"] for entry in driver.get_log("browser")
                    if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]]
        assert problems == [], problems
        passed = True
        print("studio: every check passed; screenshots in", ARTIFACTS)
    except Exception:
        if driver is not None:
            driver.save_screenshot(os.path.join(ARTIFACTS, "failure.png"))
            with open(os.path.join(ARTIFACTS, "failure.html"), "w") as page:
                page.write(driver.page_source)
        print(f"studio: failed at step '{step}'", file=sys.stderr)
        raise
    finally:
        if driver is not None:
            driver.quit()
        worker.stop()
        server.stop()
        if not passed:
            for name in ("serve", "worker", "worker-2"):
                path = os.path.join(work, f"{name}.log")
                if os.path.exists(path):
                    shutil.copy(path, os.path.join(ARTIFACTS, f"{name}.log"))
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
