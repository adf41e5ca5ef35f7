# Part 6 that answers one message and then keeps the connection open.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import socket
import ssl
import time

context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain('123456.cert.pem', '123456_key.pem')
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('', 5007))
server.listen(5)
open_connections = []
while True:
    raw, address = server.accept()
    try:
        connection = context.wrap_socket(raw, server_side=True)
        connection.recv(100)
        connection.sendall(b'This is PMU data 1')
        open_connections.append(connection)
    except (OSError, ssl.SSLError):
        pass
