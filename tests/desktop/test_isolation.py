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
