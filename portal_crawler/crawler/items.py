"""The Article item: the record of docs/design.md section 1 plus capture details."""
import scrapy

from portal_crawler.extract import RECORD_KEYS as RECORD_FIELDS
CAPTURE_FIELDS = ("fetched_at", "warc_file", "warc_offset", "warc_refs", "alt_urls")


class ArticleItem(scrapy.Item):
    locals().update({name: scrapy.Field() for name in RECORD_FIELDS + CAPTURE_FIELDS})
