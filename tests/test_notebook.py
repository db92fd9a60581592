"""The analyst walkthrough runs top to bottom in a real kernel, as a newcomer would run it."""

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="install the notebook extra: pip install -e '.[notebook]'")
nbclient = pytest.importorskip("nbclient", reason="install the notebook extra: pip install -e '.[notebook]'")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def test_walkthrough_runs_clean():
    nb = nbformat.read(NOTEBOOKS / "walkthrough.ipynb", as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit the notebook stripped"
    client = nbclient.NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "read 40 = exported 40 + rejected 0" in text
    # the mapping editor is shown as a widget, and one dropdown change moves a row out of the rejects
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    assert "before: read 40 = exported 29 + rejected 11" in text
    assert "after:  read 40 = exported 30 + rejected 10" in text


def test_the_readme_opens_the_walkthrough_with_the_notebook_extra():
    import importlib.util
    import re

    readme = (NOTEBOOKS.parent / "README.md").read_text(encoding="utf-8")
    command = re.search(r'pip install "\.\[notebook\]" && jupyter lab (\S+)', readme)
    assert command, "README's 'In Jupyter' section names the command"
    assert (NOTEBOOKS.parent / command.group(1)).exists()
    assert importlib.util.find_spec("jupyterlab") and importlib.util.find_spec("ipywidgets")


def test_generated_notebook_matches_its_source():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_walkthrough", NOTEBOOKS / "make_walkthrough.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = nbformat.read(NOTEBOOKS / "walkthrough.ipynb", as_version=4)
    built = module.build()
    assert [c.source for c in committed.cells] == [c.source for c in built.cells]
