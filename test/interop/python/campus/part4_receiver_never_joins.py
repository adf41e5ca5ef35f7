# Part 4 receiver that forgets IP_ADD_MEMBERSHIP: bound to port 5005, it must hear nothing,
# as on the course network. Waits 5 s, then says what it got.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('', 5005))
s.settimeout(5)
try:
    data, address = s.recvfrom(4096)
    print('heard', address[0], data[:40])
except socket.timeout:
    print('nothing within 5 s')
