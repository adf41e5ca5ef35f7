# Part 2 as the handout's first paragraph asks: CMD_short:0, then CMD_short:1, in one run,
# whatever its arguments. It never sends CMD_floodme.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import re
import socket

for command in ['CMD_short:0', 'CMD_short:1']:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect(('tcpip.epfl.ch', 5003))
    s.send(command.encode())
    data = b''
    while True:
        chunk = s.recv(1024)
        if not chunk:
            break
        data += chunk
    s.close()
    for message in re.findall(r'This is PMU data \d+?(?=This is PMU data|$)', data.decode()):
        print(message)
