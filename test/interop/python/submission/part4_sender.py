# Part 4.2, correct: the CAMIPRO number (first argument) then each line of standard input.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
for line in sys.stdin:
    s.sendto(sys.argv[1].encode() + line.rstrip('\n').encode(), ('224.1.1.1', 5005))
