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


def test_the_model_layer_runs_without_qt(seed_model):
    """napari's contract: everything below the widgets imports and runs with no Qt loaded (and no torch)."""
    code = ("import sys\n"
            "import desktop.analysis, desktop.files, desktop.grids, desktop.imaging, desktop.model_card, "
            "desktop.runtime, desktop.state, desktop.walks\n"
            "from desktop import analysis, grids, runtime, walks\n"
            "rt = runtime.ModelRuntime(sys.argv[1], 'cpu')\n"  # what load imports lazily (the recipes) counts too
            "start = walks.class_end(rt, 0)\n"
            "walks.decode_walk(rt.decode, start.z, (0.0, 0.0), 5, *rt.card.image_size)\n"
            "grids.decode_samples(rt.decode, 3, rt.latent_dim, 0, *rt.card.image_size)\n"
            "gray = rt.decode(grids.prior_latents(2, rt.latent_dim, 0))[0].reshape(rt.card.image_size)\n"
            "assert analysis.analyse_picture(rt, gray) is not None\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'torch', 'trainer')))")
    p = subprocess.run([sys.executable, "-c", code, str(seed_model)], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert p.returncode == 0 and p.stdout.strip().endswith("[]"), p.stdout + p.stderr
