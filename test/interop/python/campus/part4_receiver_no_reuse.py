# Part 4 receiver without SO_REUSEADDR: it binds port 5005 alone (on a course host the channel
# holds that port on its own machine, not on the student's). Prints N datagrams.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import socket
import struct
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('', 5005))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, struct.pack('4sl', socket.inet_aton('224.1.1.1'), socket.INADDR_ANY))
s.settimeout(10)
for _ in range(int(sys.argv[1])):
    data, address = s.recvfrom(4096)
    print(data[:6].decode(), address[0], data[6:].decode(), flush=True)
