# Part 2, broken: prints without end (a 1 GB print and more).
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
line = 'x' * 1000
while True:
    print(line)
