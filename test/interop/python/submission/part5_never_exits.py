# Part 5, broken: prints every message, then waits for ever instead of exiting.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import sys
import time
import websocket

websocket.WebSocketApp('ws://tcpip.epfl.ch:5006', on_open=lambda ws: ws.send(sys.argv[1]), on_message=lambda ws, message: print(message)).run_forever()
while True:
    time.sleep(1)
