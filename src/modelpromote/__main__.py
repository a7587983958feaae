# `python -m modelpromote`: click names the program "python -m modelpromote" in usage lines, so
# this goes straight to click (the console script's early --help answers as `modelpromote`).
from .cli.common import run

run()
