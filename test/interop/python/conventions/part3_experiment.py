# Part 3 running the handout's experiment itself: 60 runs of RESET:20 until OFFSET, both families,
# counting rounds (Q20), a second apart. It takes minutes; its first exchange is what part 3 grades.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import select
import socket
import time

targets = socket.getaddrinfo('lab3.iw.epfl.ch', 5004, type=socket.SOCK_DGRAM)
sockets = {socket.AF_INET: socket.socket(socket.AF_INET, socket.SOCK_DGRAM),
           socket.AF_INET6: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)}
rounds = []
for run in range(60):
    for attempt in range(1, 100):
        for family, _, _, _, address in targets:
            sockets[family].sendto(b'RESET:20', address)
        ready, _, _ = select.select(list(sockets.values()), [], [], 1.0)
        if ready:
            data, peer = ready[0].recvfrom(100)
            print('run %d: %s after %d rounds' % (run + 1, data.decode(), attempt))
            rounds.append(attempt)
            break
    time.sleep(1)  # a pause between two runs, kind to the server
print('mean rounds', sum(rounds) / len(rounds))
