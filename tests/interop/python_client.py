"""A python-socketio client session against the conformance fixture, for the interop tests.

Usage: python3 python_client.py URL TRANSPORTS DEPTH
  TRANSPORTS: "polling", "websocket" or "polling,websocket" (the default upgrade path)
  DEPTH: nesting of the document echoed back (the fixture's `echo` event acknowledges its
         arguments)
Prints one JSON object with what the session saw, then exits 0; any failure exits 1.
"""
import json
import sys

import socketio


def nested(depth):
    doc = {"leaf": "ok"}
    for level in range(depth - 1):
        doc = {"level": level, "children": [doc]}
    return doc


def depth_of(value):
    depth = 0
    stack = [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, (dict, list)):
            depth = max(depth, level)
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, level + 1) for child in children)
    return depth


def main():
    url, transports, depth = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3])
    client = socketio.Client(reconnection=False)
    seen = {}

    @client.on("auth")
    def on_auth(auth):
        seen["auth"] = auth

    client.connect(url, transports=transports, auth={"from": "python"}, wait_timeout=5)
    seen["transport"] = client.transport()
    seen["ack"] = client.call("message-with-ack", ["hello", 7], timeout=5)
    binary = client.call("get-binary", timeout=5)
    seen["binary"] = {"buf": list(binary["buf"]), "text": binary["text"]}
    document = nested(depth)
    echoed = client.call("echo", document, timeout=5)
    seen["echoedDepth"] = depth_of(echoed)
    seen["echoedSame"] = echoed == document
    whoami = client.call("whoami", timeout=5)
    seen["nsp"] = whoami["nsp"]
    client.disconnect()
    print(json.dumps(seen))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # the test prints this
        print(f"python client failed: {error!r}", file=sys.stderr)
        sys.exit(1)
