import pytest

from portal_crawler.sites import registry
from portal_crawler.sites.registry import SitesError


def test_packaged_registry_has_the_25_sites():
    reg = registry.load()
    assert len(reg.sites) == 25
    assert reg.get("harbin").name == "中国中小企业哈尔滨网"
    assert {s.short for s in reg.sites.values()} >= {"总站", "浙江", "湖北", "武汉", "哈尔滨", "湖南"}
    assert not reg.configured()


def test_labels_map_full_and_short_names():
    reg = registry.load()
    assert reg.by_label("浙江").key == "zhejiang"
    assert reg.by_label("中国中小企业浙江网").key == "zhejiang"
    assert reg.by_label("总站").key == "national"
    assert reg.by_label("火星") is None


def test_user_file_overrides_and_adds(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('''
[[sites]]
key = "harbin"
base_url = "http://127.0.0.1:9000"
[sites.settings]
download_delay = 2.0
[sites.selectors]
author = "span.author"

[[sites]]
key = "mysite"
name = "我的网站"
base_url = "https://example.org/news/"
''', encoding="utf-8")
    reg = registry.load(f)
    h = reg.get("harbin")
    assert h.base_url == "http://127.0.0.1:9000/" and h.name == "中国中小企业哈尔滨网"
    assert h.setting("download_delay") == 2.0 and h.setting("concurrency") == 2
    assert h.selectors == {"author": "span.author"}
    assert reg.get("mysite").netloc == "example.org"
    assert [s.key for s in reg.select(["harbin", "mysite"])] == ["harbin", "mysite"]


@pytest.mark.parametrize("text,msg", [
    ('[[sites]]\nkey = "x"\nname = "X"\nbase_url = "ftp://x"\n', r"not an http\(s\) URL"),
    ('[[sites]]\nname = "X"\n', "has no 'key'"),
    ('[[sites\n', "not valid TOML"),
])
def test_bad_sites_files(tmp_path, text, msg):
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(SitesError, match=msg):
        registry.load(f)


def test_unknown_key_and_unconfigured_site_errors():
    reg = registry.load()
    with pytest.raises(SitesError, match="unknown site key 'nope'"):
        reg.select(["nope"])
    with pytest.raises(SitesError, match="sites discover"):
        reg.select(["harbin"])
    with pytest.raises(SitesError, match="not found"):
        registry.load("/nonexistent/sites.toml")


# Issue 14 finding 8: every bad value is a one-line SitesError naming the key.
@pytest.mark.parametrize("text,msg", [
    ('[defaults]\nconcurrency = "lots"\n', r"\[defaults\]: concurrency must be an integer, not a string 'lots'"),
    ('[defaults]\nconcurrency = 0\n', r"concurrency must be between 1 and 64, not 0"),
    ('[[sites]]\nkey = "harbin"\n[sites.settings]\ndownload_delay = -1\n',
     r"site 'harbin' settings: download_delay must be between 0 and 3600, not -1"),
    ('[[sites]]\nkey = "harbin"\n[sites.settings]\nconcurrency = true\n', "concurrency must be an integer, not a boolean"),
    ('sites = 5\n', r"sites must be an array, not an integer 5 \(\[\[sites\]\] tables\)"),
    ('defaults = "x"\n', r"defaults must be a table"),
    ('[[sites]]\nkey = "harbin"\nbase_urll = "http://x/"\n', r"site 'harbin': unknown key 'base_urll'"),
    ('[[sites]]\nkey = "harbin"\n[sites.settings]\ndelay = 1\n', r"unknown key 'delay' \(allowed: download_delay"),
    ('colour = "red"\n', r"unknown key 'colour'"),
    ('[[sites]]\nkey = "harbin"\n[sites.selectors]\nauthor = "div[[["\n', r"selector author = 'div\[\[\[' does not compile"),
    ('[[sites]]\nkey = "harbin"\n[sites.selectors]\nbody = "//div[@id="\n', r"selector body = '//div\[@id=' does not compile"),
    ('[[sites]]\nkey = "harbin"\n[sites.selectors]\nauthr = "span"\n', r"unknown key 'authr'"),
    ('[[sites]]\nkey = "harbin"\nengine = "wordpress"\n', r"engine must be one of 'auto', 'dedecms', 'trs'"),
    ('[[sites]]\nkey = "harbin"\nchannels = [{ name = "x" }]\n', r"channels entry 1 must be"),
    ('sites = [5]\n', r"sites entry 1 must be a table"),
])
def test_bad_values_name_the_key(tmp_path, text, msg):
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(SitesError, match=msg):
        registry.load(f)


def test_bad_settings_are_exit_2_one_line_through_the_cli(tmp_path):
    from conftest import cli
    f = tmp_path / "bad.toml"
    f.write_text('[[sites]]\nkey = "harbin"\nbase_url = "http://127.0.0.1:9/"\n[sites.settings]\nconcurrency = 0\n',
                 encoding="utf-8")
    # concurrency = 0 used to hang the crawl; now it never starts.
    p = cli("crawl", "--sites-file", f, "--site", "harbin", "--db", tmp_path / "a.db", "--no-progress", timeout=60)
    assert p.returncode == 2
    assert p.stderr.strip().splitlines() == [
        f"error: sites file {f}: site 'harbin' settings: concurrency must be between 1 and 64, not 0"]
    assert not (tmp_path / "a.db").exists()
    f.write_text("sites = 5\n", encoding="utf-8")
    p = cli("sites", "--sites-file", f, timeout=60)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1 and "sites must be an array" in p.stderr
