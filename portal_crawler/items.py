"""The Article item: the record of docs/design.md section 1 plus capture details."""
import scrapy

RECORD_FIELDS = (
    "url", "site", "title", "published_at", "published_raw", "date_flag", "source",
    "author", "editor", "reviewer", "channel", "breadcrumb", "description", "body",
    "clicks", "pages", "attachments", "images", "extractor",
)
CAPTURE_FIELDS = ("fetched_at", "warc_file", "warc_offset", "warc_refs", "alt_urls")


class ArticleItem(scrapy.Item):
    locals().update({name: scrapy.Field() for name in RECORD_FIELDS + CAPTURE_FIELDS})
