"""The training replay: where a fixed, class-stratified subset of test images sits in latent
space before training (epoch 0) and after every epoch, for the app's timeline."""
from __future__ import annotations

import numpy as np
import torch

REPLAY_IMAGES = 1000  # at least this many test images, the same number from every class


def stratified_subset(labels: np.ndarray, size: int = REPLAY_IMAGES, seed: int = 0) -> np.ndarray:
    """Sorted test-set indices: ceil(size / classes) of each class (all of a smaller class)."""
    labels = np.asarray(labels)
    classes = np.unique(labels)
    per_class = -(-size // len(classes))
    rng = np.random.default_rng(seed)
    picked = [rng.permutation(np.flatnonzero(labels == c))[:per_class] for c in classes]
    return np.sort(np.concatenate(picked))


class Replay:
    """Records (M, L) float16 z_mean per epoch; its state travels in the checkpoint."""

    def __init__(self, index: np.ndarray, labels: np.ndarray):
        self.index = np.asarray(index, np.int64)
        self.labels = np.asarray(labels)[self.index]
        self.epochs: list[int] = []
        self.z_mean: list[np.ndarray] = []

    @torch.no_grad()
    def record(self, model, x_test: torch.Tensor, epoch: int) -> None:
        """z_mean of the subset now (eval mode: no dropout), as epoch `epoch`."""
        was_training = model.training
        model.eval()
        z_mean, _ = model.encode(x_test[torch.from_numpy(self.index).to(x_test.device)])
        model.train(was_training)
        self.epochs.append(epoch)
        self.z_mean.append(z_mean.float().cpu().numpy().astype(np.float16))

    def state(self) -> dict:
        return {"index": torch.from_numpy(self.index), "epochs": list(self.epochs),
                "z_mean": torch.from_numpy(np.stack(self.z_mean)) if self.z_mean else torch.zeros(0)}

    def load_state(self, state: dict) -> None:
        if not torch.equal(state["index"], torch.from_numpy(self.index)):
            raise ValueError("the replay subset differs (another test set?)")
        self.epochs = list(state["epochs"])
        self.z_mean = list(state["z_mean"].numpy()) if len(self.epochs) else []

    def arrays(self) -> dict[str, np.ndarray]:
        """history_latents.npz: epoch (E,), index (M,), labels (M,), z_mean (E, M, L) float16."""
        return {"epoch": np.asarray(self.epochs, np.int32), "index": self.index,
                "labels": self.labels.astype(np.int32), "z_mean": np.stack(self.z_mean)}
