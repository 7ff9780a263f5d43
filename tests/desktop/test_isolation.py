"""The app runs on ONNX Runtime alone: no torch, no trainer, in the source or at run time."""
import ast
import subprocess
import sys

from tests.conftest import REPO


def test_desktop_sources_never_import_torch_or_trainer():
    for path in (REPO / "desktop").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert name.split(".")[0] not in {"torch", "trainer", "onnx", "matplotlib"}, f"{path}: imports {name}"


def test_running_the_app_loads_no_torch(seed_model):
    code = ("import sys; from desktop.cli import main\n"
            "try: main(['self-test', '--model', sys.argv[1]])\n"
            "except SystemExit: pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'trainer', 'onnx')))")
    p = subprocess.run([sys.executable, "-c", code, str(seed_model)], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert p.returncode == 0 and p.stdout.strip().endswith("[]"), p.stdout + p.stderr


def test_the_model_layer_never_imports_qt():
    """napari-style: the state, the runtime and the pure helpers stay free of Qt (and of torch)."""
    modules = ["desktop.grids", "desktop.imaging", "desktop.runtime", "desktop.model_card", "desktop.analysis",
               "desktop.walks", "desktop.files", "desktop.state"]
    code = (f"import sys\nfor m in {modules!r}: __import__(m)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'torch', 'trainer')))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert p.returncode == 0 and p.stdout.strip() == "[]", p.stdout + p.stderr
