"""The program the sandbox runs (`python -I -S child.py JOB OUT`): never imported by derive.

It reads the job (JSON: the code blocks, the limits), limits itself (resource limits always,
seccomp through libseccomp where the system has it), runs the blocks in order in one namespace
under a line tracer, and writes what it saw as JSON: for every traced line that changed a name
(a frame's local, a module global, an attribute of `self`) to a numeric array or number, the
block, the line, the function, the name and the value.  Only the standard library and NumPy are
used here; nothing of derive, no pickle.
"""
import ctypes
import json
import math
import os
import resource
import sys

if __name__ == "__main__" and os.environ.get("DERIVE_NUMPY"):    # -I -S: only NumPy is added
    sys.path.insert(0, os.environ["DERIVE_NUMPY"])
import numpy as np  # noqa: E402

BLOCK_PREFIX = "<derive-block "
MAX_ELEMENTS = 100_000          # an array larger than this is not recorded
DENIED_CALLS = ("socket", "socketpair", "connect", "bind", "listen", "accept", "accept4", "execve",
                "execveat", "fork", "vfork", "clone", "clone3", "ptrace", "kill", "tkill", "tgkill",
                "setsid", "mount", "umount2", "chroot", "pivot_root", "unshare", "setns")


STEP_FUNCTIONS = ("train", "train_step", "step", "backprop", "backpropagation", "backward", "gradient",
                  "gradients", "update", "update_parameters", "gradient_step")


class Stop(BaseException):
    """Raised by the tracer when the record is full: the run ends where it stands."""


def limit_self(limits: dict) -> list:
    """Resource limits (always) and a seccomp filter (where libseccomp can be loaded); returns the
    notices of what could not be applied."""
    notices = []
    for name, value in limits.items():
        what = getattr(resource, name)
        try:
            resource.setrlimit(what, (value, value))
        except (ValueError, OSError) as e:
            notices.append(f"{name} not applied ({e})")
    try:
        lib = ctypes.CDLL("libseccomp.so.2")
    except OSError:
        return notices + ["seccomp: libseccomp is not installed; system calls are not filtered"]
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(0x7FFF0000)                  # allow what is not denied
    if not ctx:
        return notices + ["seccomp: the filter could not be made; system calls are not filtered"]
    for call in DENIED_CALLS:
        number = lib.seccomp_syscall_resolve_name(call.encode())
        if number >= 0:
            lib.seccomp_rule_add(ctx, 0x00050000 | 1, number, 0)     # fails with EPERM
    if lib.seccomp_load(ctx) != 0:
        notices.append("seccomp: the filter could not be loaded; system calls are not filtered")
    return notices


def recordable(value):
    """The value as JSON data when it is a number or a numeric array, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"shape": [], "data": [float(value)]} if math.isfinite(value) else None
    if isinstance(value, np.generic) and np.issubdtype(value.dtype, np.number) and value.dtype.kind in "iuf":
        return {"shape": [], "data": [float(value)]}
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf" and 0 < value.size <= MAX_ELEMENTS:
        data = value.astype(float).ravel()
        if not np.all(np.isfinite(data)):
            return None
        return {"shape": list(value.shape), "data": data.tolist()}
    return None


def members(name, value) -> dict:
    """The arrays a short list or dict holds, by index or key: weights[0] (Nielsen), params['W1']."""
    out = {}
    if isinstance(value, (list, tuple)) and 0 < len(value) <= 64:
        out.update((f"{name}[{k}]", inner) for k, inner in enumerate(value) if isinstance(inner, np.ndarray))
    elif isinstance(value, dict) and 0 < len(value) <= 64:
        out.update((f"{name}[{key!r}]", inner) for key, inner in value.items()
                   if isinstance(key, str) and isinstance(inner, np.ndarray))
    return out


def mixed(value, seed: int):
    """A seed the code gave, moved to the seeded point `seed` (the same code, other random draws)."""
    if value is None:
        return seed
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value) * 1_000_003 + seed * 7919 + 1) % (1 << 32)
    return value                                # a SeedSequence or a Generator: left as it is


def reseed(seed: int) -> None:
    """Every random draw of the code comes from seed `seed`: np.random.seed, default_rng and
    RandomState are moved to other seeds, and unseeded draws start from `seed` too.  Code whose
    weights and inputs are written in it computes the same point again."""
    import random
    plain_seed, plain_rng, plain_state = np.random.seed, np.random.default_rng, np.random.RandomState

    def seed_(value=None):
        plain_seed(mixed(value, seed))

    def default_rng(value=None):
        return plain_rng(mixed(value, seed))

    class RandomState(plain_state):
        def __init__(self, value=None):
            super().__init__(mixed(value, seed))

    np.random.seed, np.random.default_rng, np.random.RandomState = seed_, default_rng, RandomState
    plain_seed(seed)
    random.seed(seed)
    plain_random_seed = random.seed

    def random_seed(value=None, version=2):
        plain_random_seed(f"{value}/{seed}" if isinstance(value, (str, bytes)) else mixed(value, seed), version)

    random.seed = random_seed


def fingerprint(value):
    if isinstance(value, np.ndarray):
        return ("a", value.shape, value.tobytes())
    return ("v", value)


class Tracer:
    def __init__(self, most: int, elements: int):
        self.records, self.most, self.seen, self.elements = [], most, {}, elements
        self.last_line = {}
        self.called = set()                     # the code objects of the lecture's functions that ran

    def names(self, frame):
        out = {}
        if frame.f_code.co_name == "<module>":
            items = frame.f_globals.items()
        else:
            items = list(frame.f_locals.items()) + [(k, v) for k, v in frame.f_globals.items()
                                                    if k in frame.f_code.co_names]
        for name, value in items:
            if name.startswith("__"):
                continue
            if hasattr(value, "__dict__") and not isinstance(value, (type, np.ndarray)) and name == "self":
                for attr, inner in list(vars(value).items()):
                    out[f"self.{attr}"] = inner
                    out.update(members(f"self.{attr}", inner))
                continue
            out[name] = value
            out.update(members(name, value))
        return out

    def changes(self, frame, line):
        key = id(frame)
        before = self.seen.get(key, {})
        now = {}
        for name, value in self.names(frame).items():
            data = recordable(value)
            if data is None:
                continue
            mark = fingerprint(value)
            now[name] = mark
            if before.get(name) != mark and line is not None:
                self.records.append({"block": frame.f_code.co_filename[len(BLOCK_PREFIX):-1], "line": line,
                                     "function": frame.f_code.co_name, "name": name, **data})
                self.elements -= len(data["data"])
                if len(self.records) >= self.most or self.elements <= 0:
                    sys.settrace(None)
                    raise Stop()
        self.seen[key] = now

    def __call__(self, frame, event, arg):
        code = frame.f_code
        if not code.co_filename.startswith(BLOCK_PREFIX) or (code.co_name.startswith("<") and code.co_name != "<module>"):
            return None                         # not the lecture's, or a comprehension's loop variables
        if event == "call":                     # the arguments, at the function's first line
            self.called.add(code)
            self.changes(frame, code.co_firstlineno if code.co_name != "<module>" else None)
            self.last_line[id(frame)] = None
            return self
        if event in ("line", "return"):
            self.changes(frame, self.last_line.get(id(frame)))
            self.last_line[id(frame)] = frame.f_lineno if event == "line" else None
            if event == "return":
                self.seen.pop(id(frame), None)
        return self


def uncalled_step(namespace: dict, called: set):
    """The step function a document defines but never calls (`train`, `backprop`, ...), with the
    arguments its parameters name in the code's globals: (name, function, keyword arguments), or
    (name, None, the parameter derive has no value for)."""
    import inspect
    for name in STEP_FUNCTIONS:
        function = namespace.get(name)
        if not inspect.isfunction(function) or not function.__code__.co_filename.startswith(BLOCK_PREFIX) \
                or function.__code__ in called:
            continue
        arguments = {}
        for p in inspect.signature(function).parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.default is not p.empty:
                continue
            if p.kind == p.POSITIONAL_ONLY or p.name not in namespace:
                return name, None, p.name   # an argument derive cannot supply: not called
            arguments[p.name] = namespace[p.name]
        return name, function, arguments
    return None


def raised_at(e: BaseException, filename: str) -> int:
    """The last line of `filename` the traceback passes through (of a SyntaxError: its line)."""
    if isinstance(e, SyntaxError):
        return e.lineno or 0
    tb, line = e.__traceback__, 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def main(job_path: str, out_path: str) -> None:
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    out = open(out_path, "w", encoding="utf-8")     # opened before the limits close the door
    notices = limit_self(job["limits"])
    tracer = Tracer(job["records"], job["elements"])
    if job.get("seed") is not None:
        reseed(int(job["seed"]))
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    errors = []
    sys.settrace(tracer)
    for number, block in enumerate(job["blocks"], start=1):
        try:
            code = compile(block, f"{BLOCK_PREFIX}{number}>", "exec")
            exec(code, namespace)
        except Stop:
            errors.append({"block": number, "line": 0, "error": "stopped: the record is full"})
            break
        except BaseException as e:          # the lecture's own error: reported, the next block runs
            line = raised_at(e, f"{BLOCK_PREFIX}{number}>")
            errors.append({"block": number, "line": line, "error": f"{type(e).__name__}: {e}"[:300]})
            if isinstance(e, (MemoryError, KeyboardInterrupt, SystemExit)):
                break
    else:
        step = uncalled_step(namespace, tracer.called)
        if step is not None and step[1] is None:
            notices.append(f"the document defines {step[0]}() but never calls it, and derive has no value "
                           f"for its parameter {step[2]}: not called")
        elif step is not None:              # a step function defined and never called: called once
            name, function, arguments = step
            notices.append(f"the document defines {name}() but never calls it: derive called it once"
                           + (f" with the code's {', '.join(arguments)}" if arguments else ""))
            filename = function.__code__.co_filename
            try:
                function(**arguments)
            except Stop:
                errors.append({"block": int(filename[len(BLOCK_PREFIX):-1]), "line": 0,
                               "error": "stopped: the record is full"})
            except BaseException as e:
                errors.append({"block": int(filename[len(BLOCK_PREFIX):-1]), "line": raised_at(e, filename),
                               "error": f"{type(e).__name__}: {e}"[:300]})
    sys.settrace(None)
    json.dump({"records": tracer.records, "errors": errors, "notices": notices}, out)
    out.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
