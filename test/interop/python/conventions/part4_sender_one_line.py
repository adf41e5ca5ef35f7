# Part 4.2 that sends one line per run and exits: the ID as its argument, one input() line.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
s.sendto(sys.argv[1].encode() + input().encode(), ('224.1.1.1', 5005))
