"""The sites of the network as data: load ``sites.toml`` and a user's sites file.

A user's file adds sites or overrides the packaged ones by ``key``; tables
(``settings``, ``selectors``) merge key by key so a user can change one setting.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

from portal_crawler.sites.schema import SitesError, check_document

PACKAGED = "sites.toml"  # beside this module: portal_crawler/sites/sites.toml


def packaged_data() -> dict:
    """The packaged ``sites.toml`` as parsed TOML: the one reader of that file."""
    return tomllib.loads(resources.files(__package__).joinpath(PACKAGED).read_text("utf-8"))


def packaged_default(name: str):
    """A setting of the packaged ``[defaults]`` (download_delay, concurrency): the
    default of a site built in code, which no sites file gave any."""
    return packaged_data()["defaults"][name]


@dataclass
class Site:
    key: str
    name: str
    short: str = ""
    region: str = ""
    base_url: str = ""
    engine: str = "auto"
    channels: list[dict] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    selectors: dict = field(default_factory=dict)

    @property
    def configured(self) -> bool:
        return bool(self.base_url)

    @property
    def netloc(self) -> str:
        return urlsplit(self.base_url).netloc.lower()

    def setting(self, name: str, default=None):
        return self.settings.get(name, default)


@dataclass
class Registry:
    sites: dict[str, Site]
    defaults: dict

    def get(self, key: str) -> Site:
        try:
            return self.sites[key]
        except KeyError:
            known = ", ".join(sorted(self.sites))
            raise SitesError(f"unknown site key {key!r}; known keys: {known}") from None

    def by_label(self, label: str) -> Site | None:
        """The site a friend-link label names: full name, short name, or key."""
        label = label.strip()
        for s in self.sites.values():
            if label in (s.name, s.short, s.key):
                return s
        for s in self.sites.values():  # "中国中小企业浙江网" style labels with extra words
            if s.short and s.short != "总站" and label in (f"中国中小企业{s.short}网", f"{s.short}网"):
                return s
        return None

    def configured(self) -> list[Site]:
        return [s for s in self.sites.values() if s.configured]

    def select(self, keys: list[str]) -> list[Site]:
        chosen = [self.get(k) for k in keys]
        for s in chosen:
            if not s.configured:
                raise SitesError(
                    f"site {s.key!r} ({s.name}) has no address; set base_url for it in a "
                    f"sites file (--sites-file) or run `portal-crawler sites discover URL`"
                )
        return chosen


def _check_url(key: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SitesError(f"site {key!r}: base_url {url!r} is not an http(s) URL")


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SitesError(f"sites file not found: {path}") from None
    except tomllib.TOMLDecodeError as e:
        raise SitesError(f"sites file {path} is not valid TOML: {e}") from None
    except UnicodeDecodeError:
        raise SitesError(f"sites file {path} is not UTF-8 text") from None
    except OSError as e:
        raise SitesError(f"cannot read sites file {path}: {e.strerror or e}") from None


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = {**out[k], **v} if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _site_settings(defaults: dict, own: dict) -> dict:
    """A site's settings over [defaults]; the ``monitors`` table merges key by key."""
    out = {**defaults, **own}
    if isinstance(defaults.get("monitors"), dict) and isinstance(own.get("monitors"), dict):
        out["monitors"] = {**defaults["monitors"], **own["monitors"]}
    return out


def load(sites_file: str | Path | None = None) -> Registry:
    packaged = packaged_data()
    check_document(PACKAGED, packaged)
    defaults = dict(packaged.get("defaults", {}))
    raw = {s["key"]: s for s in packaged.get("sites", [])}
    if sites_file is not None:
        user = _read(Path(sites_file))
        check_document(str(sites_file), user)
        defaults.update(user.get("defaults", {}))
        for i, s in enumerate(user.get("sites", [])):
            if "key" not in s:
                raise SitesError(f"sites file {sites_file}: entry {i + 1} has no 'key'")
            raw[s["key"]] = _merge(raw.get(s["key"], {}), s)
    sites = {}
    for key, s in raw.items():
        if not s.get("name"):
            raise SitesError(f"site {key!r} has no 'name'")
        base = (s.get("base_url") or "").strip()
        if base:
            _check_url(key, base)
            if not base.endswith("/"):
                base += "/"
        sites[key] = Site(
            key=key, name=s["name"], short=s.get("short", ""), region=s.get("region", ""),
            base_url=base, engine=s.get("engine", "auto"), channels=list(s.get("channels", [])),
            settings=_site_settings(defaults, s.get("settings", {})), selectors=dict(s.get("selectors", {})),
        )
    return Registry(sites=sites, defaults=defaults)


def default_sites_file() -> Path | None:
    """``sites.toml`` in the working directory, where ``sites discover`` writes it."""
    p = Path("sites.toml")
    return p if p.is_file() else None


def resolve_sites(sites: str | Iterable[str | Site], sites_file: str | Path | None = None) -> list[Site]:
    """Site objects for ``"all"``, a comma-separated string, or keys / Site objects."""
    if isinstance(sites, str) and sites != "all":
        sites = [s.strip() for s in sites.split(",") if s.strip()]
    if not isinstance(sites, str):
        sites = list(sites)
        if not sites:
            raise SitesError("name the sites to crawl: --site KEY (repeatable) or --all")
        if all(isinstance(s, Site) for s in sites):
            return sites
    reg = load(sites_file if sites_file is not None else default_sites_file())
    if sites == "all":
        chosen = reg.configured()
        if not chosen:
            raise SitesError("no site has a base_url; add them in a sites file or run "
                             "`portal-crawler sites discover URL`")
        return chosen
    return reg.select([s.key if isinstance(s, Site) else s for s in sites])
