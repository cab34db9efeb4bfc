"""Link discovery: home -> channels, list pages -> articles and more list pages."""
from portal_crawler.discover.home import nav_channels, friend_links, special_links
from portal_crawler.discover.lists import ListEntry, ListPage, parse_list
from portal_crawler.discover.feeds import rss_items, sitemap_channels

__all__ = ["nav_channels", "friend_links", "special_links", "ListEntry", "ListPage", "parse_list",
           "rss_items", "sitemap_channels"]
