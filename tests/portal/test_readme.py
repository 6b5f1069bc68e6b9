"""README's promises about running the app match what bin/run and the Procfile do."""

import re

from tests.processes import ROOT


def test_the_readme_says_how_to_choose_the_port_and_what_bin_run_binds_to():
    readme = (ROOT / "README.md").read_text()
    run = (ROOT / "bin" / "run").read_text()
    procfile = (ROOT / "Procfile").read_text()
    assert "PORT=8080 bin/run" in readme
    default_port = re.search(r"export PORT=\$\{PORT:-(\d+)\}", run).group(1)
    assert f"serves the app on port {default_port}" in readme
    listen = re.search(r"--listen=(\S+?):", procfile).group(1)
    assert f"`--listen={listen}:$PORT`" in readme and "every interface" in readme
