# Part 4, as a student writes it: send the ID and each line of stdin to the group, no interface chosen.
# Runs only inside `socklab campus`, whose hosts file maps the course names to loopback (test/cli/campus.test.ts).
import sys as _sys
if not open('/etc/hosts').read().startswith('# socklab campus'):  # never the real course hosts
    _sys.exit('run me inside socklab campus')
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
for line in sys.stdin:
    s.sendto(sys.argv[1].encode() + line.rstrip('\n').encode(), ('224.1.1.1', 5005))
