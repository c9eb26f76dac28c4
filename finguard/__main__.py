from finguard.cli import main

main()
