"""Attachments as files: what format a fetched file is, its text, read in a bounded
child process (files/worker.py) so that no document can stall or swell the crawl."""
