"""Downloader components: pacing (a download handler), request fingerprints, and the
downloader middlewares (offsite guard, back-off retry, integrity check)."""
