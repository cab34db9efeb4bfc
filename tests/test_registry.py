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
