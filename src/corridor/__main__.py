from corridor.entrypoints.cli.main import run

run()
