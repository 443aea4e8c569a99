from hmsdesk_graph.cli import main

main()
