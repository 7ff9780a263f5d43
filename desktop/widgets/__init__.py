"""Widgets that draw and emit signals; the main window wires them to the runtime."""
