"""Opening model folders: a damaged one is refused with one line and the previous model stays."""
from __future__ import annotations

from pathlib import Path

from desktop.controllers import Messages
from desktop.model_card import ModelError
from desktop.state import State


class ModelController:
    def __init__(self, state: State, messages: Messages, factory, device: str = "auto"):
        self.state, self.messages, self._factory, self.device = state, messages, factory, device

    @property
    def runtime(self):
        return self.state.app.model

    def load(self, folder, report: bool = True) -> bool:
        """Switch to the model in `folder`; on error keep the previous one and say why."""
        try:
            runtime = self._factory(folder, self.device)
        except RuntimeError as e:  # --device cuda where CUDA cannot attach
            self.messages.error(f"{e}. Running on the CPU instead.")
            self.device = "cpu"
            return self.load(folder, report)
        except ModelError as e:
            if report:
                self.messages.error(str(e))
            return False
        L = runtime.latent_dim
        # everything that depends on the model is reset quietly, then one `model` event: each
        # listener re-reads the whole state once (a load decodes its grid once)
        with self.state.view.events.blocked(), self.state.walk.events.blocked(), self.state.app.events.blocked():
            self.state.view.axes = (0, min(1, L - 1))
            self.state.view.base = (0.0,) * L
            self.state.app.hovered = self.state.app.pinned = self.state.app.replay_epoch = None
            self.state.app.encoding = None
            self.state.walk.start = self.state.walk.end = None
        self.state.app.model = runtime
        self.messages.status(f"{runtime.name} on {runtime.provider} ({runtime.provider_note})")
        return True

    def folder(self) -> Path | None:
        return None if self.runtime is None else Path(self.runtime.card.folder)
