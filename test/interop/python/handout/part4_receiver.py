# Part 4, as a student writes it: join 224.1.1.1:5005 on INADDR_ANY, no interface chosen; print N datagrams (without N: until stopped).
# Runs only inside `socklab campus`, whose hosts file maps the course names to loopback (test/cli/campus.test.ts).
import sys as _sys
if not open('/etc/hosts').read().startswith('# socklab campus'):  # never the real course hosts
    _sys.exit('run me inside socklab campus')
import socket
import struct
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('', 5005))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, struct.pack('4sl', socket.inet_aton('224.1.1.1'), socket.INADDR_ANY))
print('joined', file=sys.stderr, flush=True)
s.settimeout(10)
count = int(sys.argv[1]) if len(sys.argv) > 1 else None  # none: until stopped
while count is None or count > 0:
    data, address = s.recvfrom(4096)
    print(data[:6].decode(), address[0], data[6:].decode(), flush=True)
    count = None if count is None else count - 1
