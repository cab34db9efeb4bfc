from portal_crawler.cli import main

main()
