"""What a submission tried besides its answers: the reply's ``flags``, as it happens.

``_Records`` emits each finding as its own line when it is first seen: the given names
it changed, the by-hand functions caught using autograd or differentiating numerically,
the processes it tried to start, and the paths and glob patterns it looked at outside
its working folder, /tmp and the code it may read (the first ``MAX_PROBES``), the last
through the process's one audit hook (``_AuditHook``).  The flags are folded into a
reply by ``protocol.add_flag``.
"""

import os
import sys

import byhand

from .protocol import MAX_PROBES

#: Audit events that touch the filesystem, and which of their arguments are paths.
_PATH_EVENTS = {
    "open": (0,),
    "os.listdir": (0,),
    "os.scandir": (0,),
    "os.walk": (0,),
    "os.fwalk": (0,),
    "os.chdir": (0,),
    "os.mkdir": (0,),
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.rename": (0, 1),
    "os.symlink": (0, 1),
    "os.link": (0, 1),
    "os.truncate": (0,),
    "os.chmod": (0,),
    "os.chown": (0,),
    "os.utime": (0,),
    "os.listxattr": (0,),
    "os.getxattr": (0,),
    "shutil.copyfile": (0, 1),
    "shutil.copytree": (0, 1),
    "shutil.rmtree": (0,),
    "shutil.move": (0, 1),
    "shutil.unpack_archive": (0, 1),
}
#: Audit events that start a process (``os.fork`` is counted by the fork hook instead).
_SPAWN_EVENTS = frozenset(
    {"subprocess.Popen", "os.system", "os.posix_spawn", "os.exec", "os.spawn", "os.forkpty"}
)
_GLOB_EVENTS = frozenset({"glob.glob/2", "pathlib.Path.glob", "pathlib.Path.rglob"})
_AUDITED = frozenset(_PATH_EVENTS) | _SPAWN_EVENTS | _GLOB_EVENTS


class _Records:
    """What a submission did besides its answers: the reply's ``flags``.

    Each finding is emitted as its own line when it is first seen
    (``{"flag": "monkeypatch", "names": [...]}``, ``{"flag": "autograd", "fn", "evidence"}``,
    ``{"flag": "numerical", "fn", "evidence"}``, ``{"flag": "fork", "count"}``,
    ``{"flag": "filesystem", "path"}``), so a child
    killed halfway keeps what it had.
    """

    def __init__(self, emit):
        self.emit = emit
        self.monkeypatch, self.autograd, self.filesystem = [], [], []
        self.numerical = []
        self.forks = self.forks_sent = 0
        self.allowed, self.exact = (), frozenset()
        self.busy = False

    def changed(self, names):
        new = [n for n in dict.fromkeys(names) if n not in self.monkeypatch]
        if new:
            self.monkeypatch += new
            self.emit({"flag": "monkeypatch", "names": new})

    def used_autograd(self, fn, evidence):
        if fn not in self.autograd:
            self.autograd.append(fn)
            self.emit({"flag": "autograd", "fn": fn, "evidence": evidence})

    def used_numerical(self, fn, evidence):
        if fn not in self.numerical:
            self.numerical.append(fn)
            self.emit({"flag": "numerical", "fn": fn, "evidence": evidence})

    def forked(self):
        """The fork hook: counted always, sent at 1, 2, 4, 8, ... and at every ``flush``."""
        self.forks += 1
        if self.forks & (self.forks - 1) == 0:
            self.flush()

    def flush(self):
        if self.forks != self.forks_sent:
            self.forks_sent = self.forks
            self.emit({"flag": "fork", "count": self.forks})

    def watch_files(self):
        """Allow what the harness and Python read themselves; report the rest (``audit``)."""
        import tempfile

        roots = {
            sys.prefix,
            sys.base_prefix,
            sys.exec_prefix,
            os.getcwd(),
            "/tmp",
            tempfile.gettempdir(),
            "/usr",
            "/etc",
            "/proc/self",
            "/proc/thread-self",
            f"/proc/{os.getpid()}",
            "/dev",
            "/sys",
        }
        roots |= {
            os.path.dirname(os.path.abspath(m.__file__))
            for m in (byhand, sys.modules["byhand_grader"])
        }
        if "matplotlib" in sys.modules:
            import matplotlib

            roots |= {matplotlib.get_configdir(), matplotlib.get_cachedir()}
        roots |= {os.path.realpath(r) for r in roots}
        self.allowed = tuple(sorted(r.rstrip("/") + "/" for r in roots if r and r != "/"))
        self.exact = frozenset(os.path.abspath(p) for p in sys.path if p) | {
            r.rstrip("/") for r in self.allowed
        }
        _AUDIT.records = self
        if not _AUDIT.installed:
            sys.addaudithook(_AUDIT.hook)
            _AUDIT.installed = True

    def audit(self, event, args):
        if self.busy:
            return
        self.busy = True
        try:
            if event in _SPAWN_EVENTS:
                self.forked()
            elif event in _GLOB_EVENTS:
                if event == "glob.glob/2":
                    root = args[2]
                    self.probed(
                        os.path.join(os.fsdecode(root), os.fsdecode(args[0]))
                        if root is not None
                        else args[0]
                    )
                else:
                    self.probed(os.path.join(os.fspath(args[0]), os.fsdecode(args[1])))
            else:
                for n in _PATH_EVENTS[event]:
                    if n < len(args):
                        self.probed(args[n])
        except Exception:  # noqa: S110 - a path we cannot read is not worth a failure
            pass
        finally:
            self.busy = False

    def probed(self, path):
        if path is None or isinstance(path, int) or len(self.filesystem) >= MAX_PROBES:
            return
        path = os.path.abspath(os.fsdecode(path))
        if path in self.exact or path.startswith(self.allowed) or path in self.filesystem:
            return
        self.filesystem.append(path)
        self.emit({"flag": "filesystem", "path": path})


class _AuditHook:
    """The process's one audit hook (hooks cannot be removed): ``hook`` reports to ``records``.

    A plain function, not a method: the interpreter calls it on every audit event (every
    read of a function's ``__code__`` is one), so its cost counts.
    """

    def __init__(self):
        self.records, self.installed = None, False

        def hook(event, args, audited=_AUDITED, target=self):
            if event in audited:
                records = target.records
                if records is not None:
                    records.audit(event, args)

        self.hook = hook


_AUDIT = _AuditHook()
