from portal_crawler.cli import main

main(prog_name="portal-crawler")
