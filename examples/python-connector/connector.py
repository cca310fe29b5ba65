#!/usr/bin/env python3
"""A small NDC connector in Python, the standard library plus one vendored pure-Python package
(termcolor, in vendor/: the manifest prepends it to PYTHONPATH), shipped as a script run by
python3 (the way Hasura's Python connectors ship). Serves /health, /capabilities and /schema for the
collections named in configuration.json. Reads what every NDC SDK reads: HASURA_CONNECTOR_PORT
(default 8080), HASURA_CONNECTOR_HOST (default ::), HASURA_CONFIGURATION_DIRECTORY (or
--configuration DIR) and HASURA_SERVICE_TOKEN_SECRET (bearer token; /health is exempt).
"""
import json
import os
import signal
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Found through PYTHONPATH only: without the manifest's {"prepend": "{connectorDir}/vendor"} this
# import fails, whatever PYTHONPATH the user has set.
from termcolor import colored


def problem(text):
    """An error line on stderr, in red at a terminal."""
    print(colored(text, "red") if sys.stderr.isatty() else text, file=sys.stderr)


def load_configuration(argv):
    directory = os.environ.get("HASURA_CONFIGURATION_DIRECTORY", ".")
    if "--configuration" in argv:
        directory = argv[argv.index("--configuration") + 1]
    file = os.path.join(directory, "configuration.json")
    try:
        with open(file, encoding="utf-8") as stream:
            configuration = json.load(stream)
    except (OSError, ValueError) as error:
        problem(f"cannot read the configuration {file}: {error}")
        sys.exit(1)
    if not isinstance(configuration.get("collections"), list):
        problem(f'{file}: expected "collections", a list of names')
        sys.exit(1)
    return configuration


def schema(configuration):
    string = {"type": {"type": "named", "name": "String"}}
    return {
        "scalar_types": {"String": {"representation": {"type": "string"}, "aggregate_functions": {}, "comparison_operators": {}}},
        "object_types": {"row": {"description": "A row", "fields": {"name": string}, "foreign_keys": {}}},
        "collections": [{"name": name, "arguments": {}, "type": "row", "uniqueness_constraints": {}} for name in configuration["collections"]],
        "functions": [],
        "procedures": [],
    }


def handler_for(configuration, token):
    answers = {
        "/capabilities": {"version": "0.2.0", "capabilities": {"query": {"variables": {}}, "mutation": {}}},
        "/schema": schema(configuration),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/health":
                return self.answer(200, None)
            if token and self.headers.get("Authorization") != f"Bearer {token}":
                return self.answer(401, {"message": "unauthorized"})
            if self.path in answers:
                return self.answer(200, answers[self.path])
            return self.answer(404, {"message": f"no route {self.path}"})

        def answer(self, status, body):
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):
            sys.stderr.write(json.dumps({"level": "info", "message": format % args}) + "\n")

    return Handler


def main(argv):
    if argv[:1] != ["serve"]:
        problem("usage: connector.py serve [--configuration DIR]")
        return 2
    configuration = load_configuration(argv)
    port = int(os.environ.get("HASURA_CONNECTOR_PORT") or 8080)
    host = os.environ.get("HASURA_CONNECTOR_HOST") or "::"
    ThreadingHTTPServer.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server = ThreadingHTTPServer((host, port), handler_for(configuration, os.environ.get("HASURA_SERVICE_TOKEN_SECRET")))
    print(json.dumps({"level": "info", "message": f"listening on port {port}"}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        # Ctrl+C: close the socket, then die by SIGINT as the shell expects (exit status 130).
        server.server_close()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
