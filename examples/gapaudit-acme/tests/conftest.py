# gapaudit's fixtures for plugin tests: gapaudit_host, gapaudit_example_audit, gapaudit_load,
# gapaudit_run, gapaudit_render, gapaudit_sample.
pytest_plugins = ["gapaudit.testing"]
