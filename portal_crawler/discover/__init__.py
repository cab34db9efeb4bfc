"""Link discovery: home -> channels, list pages -> articles and more list pages."""
from .home import nav_channels, friend_links, special_links
from .lists import ListEntry, ListPage, parse_list
from .feeds import rss_items, sitemap_channels

__all__ = ["nav_channels", "friend_links", "special_links", "ListEntry", "ListPage", "parse_list",
           "rss_items", "sitemap_channels"]
