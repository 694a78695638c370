"""The grading tests share `submissions.py` (simulated students); pytest's importlib mode does not put
this folder on sys.path, so put it there."""
import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
