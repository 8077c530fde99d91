"""The command line as a user meets it: help, examples, errors without tracebacks."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from newsarchive.cli import main
from newsarchive.sample_site import STORIES, article_html
from tests.conftest import cli

COMMANDS = ["crawl", "demo", "export", "extract", "import", "index", "reextract", "related",
            "search", "stats"]


def test_help_lists_every_command_with_a_summary():
    out = CliRunner().invoke(main, ["--help"]).output
    for name in COMMANDS:
        line = next(line for line in out.splitlines() if line.strip().startswith(name + " "))
        assert len(line.split(None, 1)[1]) > 10, line


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_an_example_and_archive_option(name):
    out = CliRunner().invoke(main, [name, "--help"]).output
    assert "Example" in out
    if name not in ("extract",):
        assert "--archive" in out


def test_archive_defaults_to_env_variable(tmp_path, site):
    env = {"NEWSARCHIVE_DIR": str(tmp_path / "env-archive")}
    out = cli("crawl", site.url + STORIES[0].path, "--delay", "0", "--max-depth", "0",
              "--no-discover", "--workers", "0", env=env)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "env-archive" / "store.sqlite").exists()
    assert ", 1 article (1 new" in out.stdout and "1 story searchable" in out.stdout
    assert "Index built" in out.stdout  # the archive's first index
    found = cli("search", "interest", "rates", "--json", env=env)
    assert json.loads(found.stdout)["total"] == 1
    assert "Index rebuilt" in cli("index", "--rebuild", env=env).stdout
    assert "Index updated" in cli("index", env=env).stdout


def test_crawl_then_search_needs_no_third_command(tmp_path, site):
    archive = str(tmp_path / "a")
    out = cli("crawl", site.url + "/", "--archive", archive, "--delay", "0")
    assert out.returncode == 0, out.stderr
    stats = json.loads(cli("stats", "--json", "--archive", archive).stdout)
    assert stats["articles"] == len(STORIES) + 1 and stats["index_pending_changes"] == 0
    found = cli("search", "malaria", "--archive", archive)
    assert found.returncode == 0
    count, noun = found.stdout.split()[:2]
    assert noun == ("story;" if count == "1" else "stories;"), found.stdout


@pytest.mark.parametrize("args, message", [
    (["crawl", "not-a-url", "--delay", "0"], "no valid seed URL"),
    (["search", "x"], "no index"),
    (["stats"], "no archive"),
    (["export"], "no archive"),
    (["crawl", "http://127.0.0.1:9/", "--delay", "-1"], "Invalid value for '--delay'"),
], ids=["bad-seed", "search-no-index", "stats-no-archive", "export-no-archive", "negative-delay"])
def test_bad_input_gives_a_clear_message(tmp_path, args, message):
    out = cli(*args, "--archive", str(tmp_path / "empty"))
    assert out.returncode in (1, 2)
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_a_crawl_of_no_valid_seed_leaves_nothing_to_resume(tmp_path, site):
    archive = str(tmp_path / "a")
    assert cli("crawl", "not-a-url", "--archive", archive).returncode == 1
    out = cli("crawl", site.url + STORIES[0].path, "--archive", archive, "--delay", "0",
              "--max-depth", "0", "--no-discover")
    assert out.returncode == 0, out.stderr
    assert "Resumed" not in out.stdout and "Crawl #1" in out.stdout, out.stdout


def test_extract_many_files_in_input_order(tmp_path):
    paths = []
    for i, story in enumerate(STORIES[:6]):
        p = tmp_path / f"page{i}.html"
        p.write_text(article_html(story, "https://news.example"))
        paths.append(str(p))
    paths.append(str(tmp_path / "missing.html"))
    out = cli("extract", *paths, "--jsonl")
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["file"] for r in rows] == paths
    assert [r["title"] for r in rows[:6]] == [s.title for s in STORIES[:6]]
    assert rows[0]["published"].startswith(STORIES[0].date)
    assert rows[0]["published_source"] == "jsonld"
    assert "error" in rows[-1] and out.returncode == 1
    assert "Traceback" not in out.stderr


def test_import_and_reextract(tmp_path, site):
    archive = str(tmp_path / "a")
    jsonl = tmp_path / "in.jsonl"
    story = {"url": "https://old.example/1", "body": "Archive story about tariffs.",
             "published": "31/02/1987"}
    jsonl.write_text(json.dumps(story) + "\n")
    out = cli("import", str(jsonl), "--archive", archive)
    assert out.returncode == 0 and "Imported 1 new" in out.stdout, out.stderr
    assert "note: " in out.stderr and "('31/02/1987'); imported undated" in out.stderr
    assert cli("search", "tariffs", "--archive", archive).returncode == 0
    crawl = cli("crawl", site.url + STORIES[0].path, "--archive", archive, "--delay", "0",
                "--max-depth", "0", "--no-discover")
    assert crawl.returncode == 0, crawl.stderr
    again = cli("reextract", "--archive", archive)
    assert again.returncode == 0, again.stderr
    assert "Re-cleaned 1 captures: 0 changed" in again.stdout
    bad = cli("import", str(tmp_path / "nope.jsonl"), "--archive", archive)
    assert bad.returncode == 1 and "nothing could be imported" in bad.stderr


def test_demo_runs_on_a_fresh_archive(tmp_path):
    out = cli("demo", "--archive", str(tmp_path / "demo"))
    assert out.returncode == 0, out.stderr
    assert "Central bank raises interest rates" in out.stdout


def test_the_crawl_summary_names_the_pages_it_read_as_listings(tmp_path):
    from newsarchive.layout_site import LayoutSite

    with LayoutSite(27, seed=2) as site:
        out = cli("crawl", site.url + "/", "--archive", str(tmp_path / "a"), "--delay", "0",
                  "--no-index")
        assert out.returncode == 0, out.stderr
        assert "read as listings" in out.stdout and f"{site.url}/section/" in out.stdout
        figures = cli("crawl", site.url + "/", "--archive", str(tmp_path / "b"), "--delay", "0",
                      "--no-index", "--json")
    data = json.loads(figures.stdout)
    assert data["articles"] == 27
    assert 0 < len(data["listing_samples"]) <= min(10, data["outcomes"]["listing"])


def test_serve_on_a_port_in_use_says_so_before_starting(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = cli("serve", "--port", str(port), "--archive", str(tmp_path / "a"), timeout=30)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in out.stderr
    assert "Serving" not in out.stderr
