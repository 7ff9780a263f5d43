"""Entry point of the frozen app (PyInstaller runs this file as a script)."""
from desktop.cli import main

if __name__ == "__main__":
    main()
