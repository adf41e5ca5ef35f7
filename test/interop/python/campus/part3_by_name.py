# Part 3 with the server's name as an argument (lab3.iw.epfl.ch as the handout, lab3.iew.epfl.ch
# as earlier years, tcpip.epfl.ch as later years): RESET:20 to every address of both families.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import select
import socket
import sys

targets = socket.getaddrinfo(sys.argv[1], 5004, type=socket.SOCK_DGRAM)
sockets = {socket.AF_INET: socket.socket(socket.AF_INET, socket.SOCK_DGRAM), socket.AF_INET6: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)}
for _ in range(10):
    for family, _, _, _, address in targets:
        sockets[family].sendto(b'RESET:20', address)
    ready, _, _ = select.select(list(sockets.values()), [], [], 1.0)
    if ready:
        data, peer = ready[0].recvfrom(100)
        print(data.decode(), 'IPv6' if ready[0].family == socket.AF_INET6 else 'IPv4', peer[0])
        break
