"""The training replay's timeline under the map: a slider over the recorded epochs and Play."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget


class Timeline(QWidget):
    """Hidden when the model has no recording. `set_epochs` and `show_epoch` emit nothing.

    Signals:
        sigEpochChosen(object): the epoch the user picked (an int), or None for the final map.
        sigPlayToggled(bool): Play (True) or Pause (False).
    """

    sigEpochChosen = Signal(object)
    sigPlayToggled = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("timeline")
        self.play = QPushButton("▶ Replay training")
        self.play.setCheckable(True)
        self.play.setToolTip("Animate how the map formed, epoch by epoch (from the model's recording)")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("Drag to any epoch; the right end is the trained model's full map")
        self.label = QLabel()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.play)
        row.addWidget(self.slider, 1)
        row.addWidget(self.label)
        self.slider.valueChanged.connect(self._moved)
        self.play.toggled.connect(self._played)
        self._epochs: list[int] = []
        self.setVisible(False)

    def set_epochs(self, epochs: list[int]) -> None:
        """The recorded epochs (0 = before training); the slider's last stop is the final map."""
        self._epochs = list(epochs)
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(epochs))
        self.slider.setValue(len(epochs))
        self.slider.blockSignals(False)
        self.play.setChecked(False)
        self.setVisible(bool(epochs))

    def show_epoch(self, epoch: int | None, text: str) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(len(self._epochs) if epoch is None else self._epochs.index(int(epoch)))
        self.slider.blockSignals(False)
        self.label.setText(text)

    def _moved(self, value: int) -> None:
        self.sigEpochChosen.emit(None if value >= len(self._epochs) else self._epochs[value])

    def _played(self, on: bool) -> None:
        self.play.setText("❚❚ Pause" if on else "▶ Replay training")
        self.sigPlayToggled.emit(on)
