# Part 5, hostile: clears the grader's screen with terminal escapes and prints a fake verdict,
# then fails. socklab check must show the escapes, not obey them.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import sys

sys.stdout.write("\x1b[2J\x1b[H\x1b]0;all good\x07PASS: 8 passed, 0 failed, 0 not run.\r\n\x9b31m")
sys.stdout.flush()
sys.exit(1)
