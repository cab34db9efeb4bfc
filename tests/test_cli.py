"""The CLI's contract for bad input: a clear one-line error and exit code 2."""
import json

from conftest import cli


def _one_line_error(p):
    lines = [l for l in p.stderr.strip().splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), p.stderr
    return lines[0]


def test_missing_sites_file(tmp_path):
    p = cli("crawl", "--sites-file", tmp_path / "nope.toml", "--site", "harbin", "--db", tmp_path / "a.db")
    assert p.returncode == 2
    assert "sites file not found" in _one_line_error(p)


def test_unknown_site_key(tmp_path):
    p = cli("crawl", "--site", "atlantis", "--db", tmp_path / "a.db")
    assert p.returncode == 2
    assert "unknown site key 'atlantis'" in _one_line_error(p)


def test_bad_url_in_sites_file(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('[[sites]]\nkey = "harbin"\nbase_url = "not a url"\n', encoding="utf-8")
    p = cli("crawl", "--sites-file", f, "--site", "harbin", "--db", tmp_path / "a.db")
    assert p.returncode == 2
    assert "is not an http(s) URL" in _one_line_error(p)


def test_site_without_address_names_the_fix(tmp_path):
    p = cli("crawl", "--site", "harbin", "--db", tmp_path / "a.db")
    assert p.returncode == 2
    assert "sites discover" in _one_line_error(p)


def test_no_site_named(tmp_path):
    p = cli("crawl", "--db", tmp_path / "a.db")
    assert p.returncode == 2 and "--site" in _one_line_error(p)


def test_bad_since(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('[[sites]]\nkey = "harbin"\nbase_url = "http://127.0.0.1:9/"\n', encoding="utf-8")
    p = cli("crawl", "--sites-file", f, "--site", "harbin", "--since", "yesterday-ish", "--db", tmp_path / "a.db")
    assert p.returncode == 2 and "--since" in _one_line_error(p)


def test_parse_missing_file(tmp_path):
    p = cli("parse", tmp_path / "missing.html")
    assert p.returncode == 2 and "cannot read" in _one_line_error(p)


def test_stats_without_archive(tmp_path):
    p = cli("stats", "--db", tmp_path / "none.db")
    assert p.returncode == 2 and "no archive" in _one_line_error(p)


def test_stats_json_and_a_typod_archive_path(replica_net, tmp_path):
    from conftest import crawl_args
    db = tmp_path / "a.db"
    cli(*crawl_args(replica_net.sites_path, db, ["wuhan"]), check=True)
    p = cli("stats", "--db", db, "--json", check=True)
    doc = json.loads(p.stdout)
    run = doc["runs"][0]
    assert run["finish_reason"] == "finished" and run["sites"] == ["wuhan"] and run["new_articles"] > 0
    # A typo'd path is an error, never a new empty archive.
    typo = tmp_path / "a-typo.db"
    p = cli("stats", "--db", typo)
    assert p.returncode == 2 and "no archive" in _one_line_error(p)
    assert not typo.exists()
