"""Importing a spreadsheet in a real browser, by the contract's names: "Import CSV" on the candidates page, the
"CSV file" field, the preview (columns, first rows, failing rows), "Import" with its progress bar, the error rows
downloaded; checked through the API afterwards. Screenshots of every step at 1280 and 390 px."""
import csv
import io
import time
from urllib.parse import quote

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from .workspace import api, button, field, heading, link, shots, sign_in, text, wait

PEOPLE = 1_200  # more than two parts (ws_import.PART_SIZE): the bar moves


def spreadsheet(tmp_path, tag: str):
    """A file as a recruiter has it: whole names, a column the aliases do not know, bad rows, a repeat."""
    rows = [["Full name", "E-mail", "Skills", "Country", "Notes"]]
    for i in range(PEOPLE):
        rows.append([f"Person{i} Imported{tag}", f"imp{tag}-{i}@example.com", "python, aws", "GB", f"lead-{i % 3}"])
    rows.insert(3, ["No Address", "not-an-email", "", "GB", ""])
    rows.insert(7, ["Far Away", f"far{tag}@example.com", "", "Narnia", ""])
    rows.append(["Ludwig van Beethoven", f"IMP{tag}-0@example.com", "piano", "", "composer"])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path = tmp_path / f"people-{tag}.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def find(stack, q: str) -> list[dict]:
    """People the API's search finds, every page (a filtered page may be empty and still have a next one)."""
    found, cursor = [], ""
    for _ in range(200):
        answer = api(stack, "GET", f"/candidates?limit=500&q={quote(q)}" + (f"&cursor={quote(cursor)}" if cursor else ""),
                     expect=(200,))
        found += answer["items"]
        cursor = answer.get("next_cursor")
        if not cursor:
            return found
    raise AssertionError("the search never ended")


def texts(driver, css: str) -> list[str]:
    """The text of the elements `css` selects, read at once (the panel is replaced while a test looks at it)."""
    return driver.execute_script("return Array.from(document.querySelectorAll(arguments[0]), e => e.textContent)", css)


def bar_values(driver, seen: set) -> None:
    """Notes the progress bar's value (the bar is replaced each second: it may go while being read)."""
    try:
        seen.update(bar.get_attribute("value") for bar in driver.find_elements(By.ID, "import-bar"))
    except StaleElementReferenceException:
        pass


def test_import_a_spreadsheet_with_its_preview_progress_and_error_rows(stack, page, tmp_path):
    tag = str(int(time.time()))
    path = spreadsheet(tmp_path, tag)
    sign_in(page, stack, path="/dashboard/candidates")
    link(page, "Import CSV").click()
    wait(page, lambda d: heading(d) == "Import candidates")
    shots(page, "import")

    field(page, "CSV file").send_keys(str(path))  # choosing the file shows the preview
    wait(page, lambda d: "What importing will do" in text(d), "the preview did not come")
    assert Select(field(page, "Full name")).first_selected_option.text == "Full name (split into first and last)"
    assert Select(field(page, "Notes")).first_selected_option.text == "Don't import"
    shown = text(page)
    assert f"New people {PEOPLE:,}" in " ".join(shown.split()) or f"New people\n{PEOPLE:,}" in shown
    assert "Rows that will fail, and why" in shown and "email: not a valid email address" in shown
    assert "country:" in shown and "repeats an earlier row's address" in shown
    shots(page, "import-preview")

    Select(field(page, "Notes")).select_by_visible_text("Tags")  # the preview is checked again
    wait(page, lambda d: "Tags" in texts(d, ".import-sample th"), "the preview did not take the new column")
    assert find(stack, f"imp{tag}-") == []  # nothing imported by a preview

    button(page, "Import").click()
    bar = wait(page, lambda d: next(iter(d.find_elements(By.ID, "import-bar")), None), "no progress bar")
    label = page.find_element(By.CSS_SELECTOR, "label[for=import-bar]").text
    assert f"of {PEOPLE:,} people imported" in label and int(bar.get_attribute("max")) == PEOPLE
    shots(page, "import-progress")
    values = set()
    wait(page, lambda d: bar_values(d, values) or "Import finished" in text(d), "the import did not finish", timeout=120)
    assert len(values) >= 1 and all(int(v) < PEOPLE for v in values)
    done = " ".join(text(page).split())
    assert f"Added {PEOPLE:,} Updated 0 Unchanged 0 Not imported 2" in done, done
    shots(page, "import-results")

    # through the API: the full name split, the Notes column read as tags, the repeated row merged
    [first] = find(stack, f"imp{tag}-0@")
    assert (first["first_name"], first["last_name"]) == ("Ludwig", "van Beethoven")
    assert first["tags"] == ["lead-0", "composer"] and first["skills"] == ["python", "aws", "piano"]
    [later] = find(stack, f"imp{tag}-5@")
    assert (later["first_name"], later["last_name"], later["source"]) == ("Person5", f"Imported{tag}", "csv_import")

    # the error rows, downloaded as a CSV with an "error" column
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    page.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    button(page, "Download error rows").click()
    saved = wait(page, lambda d: [p for p in downloads.glob("*.csv")], "no download")
    rows = list(csv.reader(io.StringIO(saved[0].read_text(encoding="utf-8"))))
    assert rows[0] == ["row", "error", "Full name", "E-mail", "Skills", "Country", "Notes"]
    assert [(row[0], row[3]) for row in rows[1:]] == [("4", "not-an-email"), ("8", f"far{tag}@example.com")]
    assert rows[1][1].startswith("email:") and rows[2][1].startswith("country:")


def tab_to(page, found, backwards: bool = False, most: int = 30):
    """Presses Tab (or Shift+Tab) until `found(active element)`: the way a keyboard user gets there."""
    for _ in range(most):
        if found(page.switch_to.active_element):
            return page.switch_to.active_element
        keys = ActionChains(page).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT) if backwards else \
            ActionChains(page).send_keys(Keys.TAB)  # to the page, as a keyboard does (a file input takes no keys)
        keys.perform()
    raise AssertionError("the keyboard never got there")


def test_keyboard_only_choosing_a_column_and_importing(stack, page, tmp_path):
    path = tmp_path / "keyboard.csv"
    tag = str(int(time.time() * 1000))
    path.write_text(f"Name,Address,Town\r\nAda Lovelace,kb{tag}@example.com,London\r\n", encoding="utf-8")
    sign_in(page, stack, path="/dashboard/import")
    field(page, "CSV file").send_keys(str(path))
    wait(page, lambda d: "choose the column that holds the email addresses" in text(d))
    shots(page, "import-columns-problem")
    tab_to(page, lambda element: element.get_attribute("id") == "column-1")
    ActionChains(page).send_keys("E").perform()  # a select takes the option that starts with the typed letter: "Email"
    wait(page, lambda d: "What importing will do" in text(d), "choosing the column by keyboard did not check again")
    assert page.switch_to.active_element.get_attribute("id") == "column-1"  # focus stays on the column
    assert Select(field(page, "Address")).first_selected_option.text == "Email"
    assert Select(field(page, "Town")).first_selected_option.text == "City"
    assert Select(field(page, "Name")).first_selected_option.text == "Full name (split into first and last)"
    tab_to(page, lambda element: element.text == "Import", backwards=True)
    ActionChains(page).send_keys(Keys.ENTER).perform()
    wait(page, lambda d: "Import finished" in text(d))
    assert page.switch_to.active_element.text == "Import finished"  # focus moves to the outcome
    [person] = find(stack, f"kb{tag}@")
    assert (person["first_name"], person["last_name"], person["city"]) == ("Ada", "Lovelace", "London")


def test_a_file_that_is_not_csv_says_so_and_imports_nothing(stack, page, tmp_path):
    path = tmp_path / "people.xlsx"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 8)
    sign_in(page, stack, path="/dashboard/import")
    field(page, "CSV file").send_keys(str(path))
    wait(page, lambda d: "This file cannot be imported" in text(d))
    assert "spreadsheet workbook" in text(page) and "CSV UTF-8" in text(page)
    shots(page, "import-problem")
    button(page, "Import").click()
    time.sleep(1)
    assert "This file cannot be imported" in text(page) and "Import finished" not in text(page)
    assert find(stack, "people.xlsx") == []
