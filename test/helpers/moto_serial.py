"""moto's server, answering one request at a time.

DynamoDB evaluates a conditional write and applies it atomically per item; moto's server answers
requests on threads and its backend takes no lock between the condition check and the write, so
concurrent conditional updates could both pass there. Served one at a time, moto keeps DynamoDB's
guarantee, and a test of concurrent acquires tests the adapter's conditions, not moto's threads.
Used by test/moto-slots.test.ts through PYTHONPATH=test/helpers, `-m moto_serial`.
"""
import moto.server as server

_run_simple = server.run_simple


def _serial(*args, **kwargs):
    kwargs["threaded"] = False
    return _run_simple(*args, **kwargs)


server.run_simple = _serial

if __name__ == "__main__":
    server.main()
