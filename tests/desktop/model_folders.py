"""Damaged copies of a model folder, shared by the runtime, CLI and window tests."""
import hashlib
import json


def recard(folder, **changes):
    """Rewrite metadata.json with the files' current sha256 and `changes` at the top level."""
    card = json.loads((folder / "metadata.json").read_text())
    for name in card["files"]:
        if (folder / name).exists():
            card["files"][name]["sha256"] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    card.update(changes)
    (folder / "metadata.json").write_text(json.dumps(card))


def poison(folder, name):
    """Replace the last initializer (the output layer's bias) of `name` with NaN, then recard."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(folder / name))
    bias = model.graph.initializer[-1]
    nan = numpy_helper.from_array(np.full(numpy_helper.to_array(bias).shape, np.nan, np.float32), bias.name)
    bias.CopyFrom(nan)
    onnx.save(model, str(folder / name))
    recard(folder)
