from hub.dashboards.app import main

main()
