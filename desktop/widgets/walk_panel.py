"""The latent walk panel: choose two ends, see the decoded path as a strip, scrub or play it."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QPushButton, QSizePolicy, QSlider,
                               QSpinBox, QVBoxLayout, QWidget)

from desktop.pngio import to_qimage
from desktop.widgets.digit_view import DigitView

END_KINDS = (("drawing", "the drawing"), ("pinned", "the pinned point"), ("pick", "a point picked on the map"),
             ("coords", "coordinates…"), ("file", "a picture file…"))


class WalkStrip(QWidget):
    """k tiles in a row, the shown one framed; a click or drag picks a step.

    Signals:
        sigStepPicked(int)
    """

    sigStepPicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("walkStrip")
        self.setMinimumHeight(40)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._image: QImage | None = None
        self._k, self._frame = 0, 0

    def set_strip(self, picture: np.ndarray | None, k: int) -> None:
        self._image = None if picture is None else to_qimage(picture)
        self._k = k
        self.update()

    def set_frame(self, frame: int) -> None:
        self._frame = frame
        self.update()

    def _tile(self) -> float:
        return self.width() / max(self._k, 1)

    def sizeHint(self):
        from PySide6.QtCore import QSize

        return QSize(300, 48)

    def paintEvent(self, event):
        p = QPainter(self)
        p.fillRect(self.rect(), Qt.GlobalColor.black)
        if self._image is not None and self._k:
            t = self._tile()
            side = min(t, self.height())
            target = QRect(0, int((self.height() - side) / 2), int(t * self._k), int(side))
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, t < self._image.height())
            p.drawImage(target, self._image)
            p.setPen(QPen(QColor("#ffd700"), 2))
            p.drawRect(QRect(int(self._frame * t) + 1, target.top() + 1, int(t) - 2, target.height() - 2))
        p.end()

    def mousePressEvent(self, event):
        self._pick(event.position().x())

    def mouseMoveEvent(self, event):
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._pick(event.position().x())

    def _pick(self, x: float) -> None:
        if self._k:
            self.sigStepPicked.emit(int(np.clip(x // self._tile(), 0, self._k - 1)))


class WalkPanel(QWidget):
    """Views only; `set_classes`, `set_strip`, `show_frame` emit nothing.

    Signals:
        sigEndChosen(int, str, object): end 0 (from) or 1 (to), its kind ("class", "drawing",
            "pinned", "pick", "coords", "file") and, for a class, its index.
        sigStepsChanged(int), sigFrameChosen(int), sigPlayToggled(bool)
        sigExportStrip(), sigExportGif()
    """

    sigEndChosen = Signal(int, str, object)
    sigStepsChanged = Signal(int)
    sigFrameChosen = Signal(int)
    sigPlayToggled = Signal(bool)
    sigExportStrip = Signal()
    sigExportGif = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("walkPanel")
        self.ends = [QComboBox(), QComboBox()]
        self.steps = QSpinBox()
        self.steps.setRange(2, 60)
        self.steps.setValue(10)
        self.steps.setToolTip("Steps along the straight path, both ends included (2–60), decoded in one batch")
        self.play = QPushButton("▶ Play")
        self.play.setCheckable(True)
        self.bounce = QCheckBox("there and back")
        self.bounce.setToolTip("Play and export the GIF forwards, then backwards")
        self.scrubber = QSlider(Qt.Orientation.Horizontal)
        self.strip = WalkStrip()
        self.frame_view = DigitView("step", side=160)
        self.export_strip = QPushButton("Export strip PNG…")
        self.export_gif = QPushButton("Export GIF…")

        form = QFormLayout()
        form.addRow("From", self.ends[0])
        form.addRow("To", self.ends[1])
        row = QHBoxLayout()
        row.addWidget(self.steps)
        row.addWidget(self.play)
        row.addWidget(self.bounce)
        form.addRow("Steps", row)
        exports = QHBoxLayout()
        exports.addWidget(self.export_strip)
        exports.addWidget(self.export_gif)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.strip)
        layout.addWidget(self.scrubber)
        layout.addWidget(self.frame_view, 1, Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(exports)

        for i, box in enumerate(self.ends):
            box.activated.connect(lambda index, i=i: self._end_chosen(i, index))
        self.steps.valueChanged.connect(self.sigStepsChanged)
        self.scrubber.valueChanged.connect(self.sigFrameChosen)
        self.strip.sigStepPicked.connect(self.sigFrameChosen)
        self.play.toggled.connect(self._played)
        self.export_strip.clicked.connect(self.sigExportStrip)
        self.export_gif.clicked.connect(self.sigExportGif)

    def set_classes(self, names: list[str]) -> None:
        for box in self.ends:
            box.blockSignals(True)
            box.clear()
            for k, name in enumerate(names):
                box.addItem(f"class {name}", ("class", k))
            for kind, text in END_KINDS:
                box.addItem(text, (kind, None))
            box.blockSignals(False)

    def show_end(self, which: int, label: str) -> None:
        """Show what an end is now (the combo shows the choice; its tooltip the resolved point)."""
        self.ends[which].setToolTip(label)

    def select(self, which: int, kind: str, k: int | None = None) -> None:
        """Show the kind of end chosen (a class by its index) without emitting anything."""
        box = self.ends[which]
        want = (kind, k if kind == "class" else None)
        index = next((i for i in range(box.count()) if tuple(box.itemData(i)) == want), 0)
        box.blockSignals(True)
        box.setCurrentIndex(max(index, 0))
        box.blockSignals(False)

    def show_steps(self, steps: int) -> None:
        self.steps.blockSignals(True)
        self.steps.setValue(steps)
        self.steps.blockSignals(False)

    def set_strip(self, picture: np.ndarray | None, k: int) -> None:
        self.strip.set_strip(picture, k)
        self.scrubber.blockSignals(True)
        self.scrubber.setRange(0, max(k - 1, 0))
        self.scrubber.blockSignals(False)

    def show_frame(self, frame: int, image: np.ndarray | None, caption: str) -> None:
        self.strip.set_frame(frame)
        self.scrubber.blockSignals(True)
        self.scrubber.setValue(frame)
        self.scrubber.blockSignals(False)
        self.frame_view.set_image(image, caption)

    def _end_chosen(self, which: int, index: int) -> None:
        kind, value = self.ends[which].itemData(index)
        self.sigEndChosen.emit(which, kind, value)

    def _played(self, on: bool) -> None:
        self.play.setText("❚❚ Pause" if on else "▶ Play")
        self.sigPlayToggled.emit(on)
