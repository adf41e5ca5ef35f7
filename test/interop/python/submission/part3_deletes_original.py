# Part 3, hostile: finds the submission the checker was given (from its plan, named on the command
# line of the campus's first process) and tries to delete it there, then does the part correctly.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import json
import os
import select
import socket

arguments = open('/proc/1/cmdline').read().split('\0')
try:
    folder = json.load(open(arguments[arguments.index('--inside') + 1]))['folder']
    for name in os.listdir(folder):
        os.remove(os.path.join(folder, name))
        print('deleted', name)
except (OSError, ValueError, KeyError) as error:
    print('could not delete the original:', error)
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
