# Part 3 with connect()ed UDP sockets, one per family: the kernel then delivers only datagrams
# from the very address connected to, so the server must answer from the address it was sent to.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import select
import socket
import sys

sockets = []
for family, kind, proto, _, address in socket.getaddrinfo(sys.argv[1], 5004, type=socket.SOCK_DGRAM):
    s = socket.socket(family, kind, proto)
    s.connect(address)
    sockets.append(s)
for _ in range(10):
    for s in sockets:
        try:
            s.send(b'RESET:20')
        except ConnectionRefusedError:
            pass  # an ICMP port unreachable from the family that is down
    ready, _, _ = select.select(sockets, [], [], 1.0)
    answered = False
    for s in ready:
        try:
            data = s.recv(100)
        except ConnectionRefusedError:
            continue
        print(data.decode(), 'IPv6' if s.family == socket.AF_INET6 else 'IPv4', s.getpeername()[0])
        answered = True
        break
    if answered:
        break
