# Part 3, hostile: finds the submission the checker was given (from its plan, named on the command
# line of the campus's first process) and tries to delete it there.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import json
import os

arguments = open('/proc/1/cmdline').read().split('\0')
try:
    folder = json.load(open(arguments[arguments.index('--inside') + 1]))['folder']
    for name in os.listdir(folder):
        os.remove(os.path.join(folder, name))
        print('deleted', name)
except (OSError, ValueError, KeyError) as error:
    print('could not delete the original:', error)
