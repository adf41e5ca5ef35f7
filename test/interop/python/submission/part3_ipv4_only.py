# Part 3, broken: IPv4 only.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
for _ in range(5):
    s.sendto(b'RESET:20', ('lab3.iw.epfl.ch', 5004))
    try:
        data, peer = s.recvfrom(100)
        print(data.decode())
        break
    except socket.timeout:
        pass
