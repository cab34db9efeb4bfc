"""portal-crawler: crawl and archive the 中国中小企业XX网 network."""
__version__ = "0.1.0"
