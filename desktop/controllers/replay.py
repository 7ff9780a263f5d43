"""The training replay: the timeline picks an epoch of the model's recording; Play animates it."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer

from desktop.state import State

FRAME_MS = 25  # 40 frames a second asked, so timer jitter and a slow repaint still leave >= 30
FRAMES_PER_EPOCH = 5  # the map glides between recorded epochs: 60 epochs play in 7.5 s


class ReplayController:
    def __init__(self, state: State, view):
        self.state, self.view = state, view
        self.timer = QTimer(view.timeline)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._advance)
        view.timeline.sigEpochChosen.connect(lambda e: setattr(state.app, "replay_epoch", e))
        view.timeline.sigPlayToggled.connect(self.play)
        state.app.events.model.connect(self._model_changed)
        state.app.events.replay_epoch.connect(self._show)

    @property
    def history(self):
        rt = self.state.app.model
        return None if rt is None else rt.history

    def _model_changed(self, runtime) -> None:
        self.timer.stop()
        self.view.timeline.set_epochs([] if self.history is None else self.history.epochs)
        self._show(None)

    def _show(self, epoch) -> None:
        h = self.history
        if h is None:
            return
        if epoch is None:
            text = f"trained: the full map after {h.epochs[-1]} epochs"
        else:
            epoch = int(epoch)
            loss = h.losses.get(epoch)
            losses = (f" — train {loss['train_loss']:.1f}, validation {loss['val_loss']:.1f} nats"
                      if loss and "train_loss" in loss and "val_loss" in loss else " — before training")
            text = f"epoch {epoch} of {h.epochs[-1]}{losses}"
        self.view.timeline.show_epoch(epoch, text)

    def play(self, on: bool) -> None:
        if on and self.history is not None:
            if self.state.app.replay_epoch is None:  # from the start
                self.state.app.replay_epoch = self.history.epochs[0]
            self.timer.start()
        else:
            self.timer.stop()
            self.view.timeline.play.setChecked(False)

    def _advance(self) -> None:
        epochs, now = self.history.epochs, self.state.app.replay_epoch
        nxt = epochs[0] if now is None else now + 1 / FRAMES_PER_EPOCH
        if nxt > epochs[-1] + 1e-9:
            self.play(False)
            self.state.app.replay_epoch = None  # end on the trained model's full map
        else:
            self.state.app.replay_epoch = nxt
