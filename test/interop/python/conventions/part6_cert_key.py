# Part 6 taking CERT KEY, the files it serves with.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import socket
import ssl
import sys

context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[1], sys.argv[2])
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('', 5007))
server.listen(5)
while True:
    raw, address = server.accept()
    try:
        with context.wrap_socket(raw, server_side=True) as connection:
            if connection.recv(100).decode().startswith('CMD_short:'):
                for index in range(1, 6):
                    connection.sendall(('This is PMU data %d' % index).encode())
    except (OSError, ssl.SSLError):
        pass
