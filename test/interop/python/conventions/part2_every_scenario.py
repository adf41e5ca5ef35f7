# Part 2 with no arguments: it runs every scenario of the handout in one go, one connection each.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import re
import socket


def session(command):
    s = socket.create_connection(('tcpip.epfl.ch', 5003))
    s.send(command.encode())
    data = b''
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    return data.decode()


for command in ['CMD_short:0', 'CMD_short:1']:
    print('--- %s' % command)
    for message in re.findall(r'This is PMU data \d+?(?=This is PMU data|$)', session(command)):
        print(message)
print('--- CMD_floodme')
print(session('CMD_floodme'))
