"""Scrapy extensions of a crawl: WARC capture, the live progress view, template drift counters."""
