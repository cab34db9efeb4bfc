"""The local replica network: a deterministic, seeded copy of the 25-site portal
network served on loopback (one port per site), with ground truth.

    from portal_crawler.replica import ReplicaProcess
    with ReplicaProcess(seed=7, sites=["harbin"], scale="tiny") as rep:
        rep.base_urls, rep.truth(), rep.advance(), rep.sites_file(path)
"""
from portal_crawler.replica.model import SCALES, Network
from portal_crawler.replica.process import ReplicaProcess

__all__ = ["ReplicaProcess", "Network", "SCALES"]
