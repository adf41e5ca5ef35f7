# Part 3 with the server's addresses written in the program, as some students did (the real
# course server's; here documentation addresses that `socklab campus --alias` gives the server).
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import select
import socket

SERVER4, SERVER6 = '198.51.100.7', '2001:db8:1::7'
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for _ in range(10):
    s4.sendto(b'RESET:20', (SERVER4, 5004))
    s6.sendto(b'RESET:20', (SERVER6, 5004))
    ready, _, _ = select.select([s4, s6], [], [], 1.0)
    if ready:
        data, peer = ready[0].recvfrom(100)
        print(data.decode(), 'IPv6' if ready[0] is s6 else 'IPv4', peer[0])
        break
