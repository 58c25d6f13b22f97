#!/usr/bin/env python3
"""transport_launch.py - start p9guard on an inherited socket, as a service
manager would, for tests/integration/run.sh.

Usage:
  transport_launch.py fd SOCKPATH -- P9GUARD-ARGS...
      bind and listen on a unix socket at SOCKPATH, then exec p9guard with
      "--listen fd:N" (N: that socket's descriptor) and the arguments.
  transport_launch.py vhost-user-fd SOCKPATH -- P9GUARD-ARGS...
      the same with "--listen vhost-user-fd:N": the socket takes vhost-user
      front-ends.
  transport_launch.py systemd SOCKPATH PIDMODE -- P9GUARD-ARGS...
      the same socket as descriptor 3 with LISTEN_FDS=1 and LISTEN_PID set
      as systemd sets them (PIDMODE "self": the pid of p9guard after exec,
      "other": a pid that is not p9guard's), then exec p9guard with
      "--listen systemd".
  transport_launch.py connected EXPORT -- P9GUARD-ARGS...
      one end of a socketpair becomes p9guard's "--listen connected-fd:N";
      this process speaks 9P2000.L on the other end (Tversion, Tattach as
      uid 0, Tmkdir "viafd", Tclunk), checks each reply, closes its end and
      waits for p9guard, which must then exit 0.  Prints what it did; exits
      0 when every step worked, 1 otherwise.

The fd and systemd modes exec p9guard in place, so the caller's $! is
p9guard's pid.
"""
import os
import socket
import struct
import sys


def listening_unix(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    os.chmod(path, 0o666)
    s.listen(16)
    return s


def frontend():
    return os.environ.get("P9GUARD_FRONTEND", "p9guard")


# ---- a little 9P2000.L, enough for the connected-fd check ----

def s9(text):
    b = text.encode()
    return struct.pack("<H", len(b)) + b


def msg(mtype, tag, body):
    return struct.pack("<IBH", 7 + len(body), mtype, tag) + body


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def call(sock, mtype, tag, body):
    sock.sendall(msg(mtype, tag, body))
    size, rtype, rtag = struct.unpack("<IBH", recv_exact(sock, 7))
    payload = recv_exact(sock, size - 7)
    if rtag != tag:
        raise ValueError("reply tag %d for tag %d" % (rtag, tag))
    if rtype == 7:  # Rlerror
        raise OSError(struct.unpack("<I", payload[:4])[0], "Rlerror to type %d" % mtype)
    if rtype != mtype + 1:
        raise ValueError("reply type %d to type %d" % (rtype, mtype))
    return payload


def connected(export, args):
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        ours.close()
        os.set_inheritable(theirs.fileno(), True)
        os.execvp(frontend(), [frontend(), "--listen", "connected-fd:%d" % theirs.fileno()]
                  + args)
    theirs.close()
    ok = True
    ours.settimeout(20)
    try:
        r = call(ours, 100, 0xFFFF, struct.pack("<I", 65536) + s9("9P2000.L"))
        msize = struct.unpack("<I", r[:4])[0]
        version = r[6:6 + struct.unpack("<H", r[4:6])[0]].decode()
        print("# Rversion msize %d version %s" % (msize, version))
        ok &= version == "9P2000.L"
        # Tattach fid 1, afid NOFID, uname "", aname "", n_uname 0
        r = call(ours, 104, 1, struct.pack("<II", 1, 0xFFFFFFFF) + s9("") + s9("")
                 + struct.pack("<I", 0))
        qtype = r[0]
        print("# Rattach qid type 0x%02x" % qtype)
        ok &= qtype == 0x80
        # Tmkdir dfid 1, name "viafd", mode 0750, gid 0
        call(ours, 72, 2, struct.pack("<I", 1) + s9("viafd") + struct.pack("<II", 0o750, 0))
        st = os.lstat(os.path.join(export, "viafd"))
        print("# host: viafd mode %o uid %d" % (st.st_mode & 0o7777, st.st_uid))
        ok &= (st.st_mode & 0o7777) == 0o750 and st.st_uid == 0
        call(ours, 120, 3, struct.pack("<I", 1))  # Tclunk
    except (OSError, EOFError, ValueError, struct.error) as e:
        print("# 9P over the connected descriptor failed: %r" % (e,))
        ok = False
    ours.close()
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    print("# p9guard exited with status %d after the connection closed" % code)
    ok &= code == 0
    return 0 if ok else 1


def main():
    argv = sys.argv[1:]
    if "--" not in argv:
        sys.exit(__doc__)
    split = argv.index("--")
    mode, rest, args = argv[0], argv[1:split], argv[split + 1:]
    if mode in ("fd", "vhost-user-fd") and len(rest) == 1:
        s = listening_unix(rest[0])
        os.set_inheritable(s.fileno(), True)
        os.execvp(frontend(), [frontend(), "--listen", "%s:%d" % (mode, s.fileno())] + args)
    elif mode == "systemd" and len(rest) == 2:
        s = listening_unix(rest[0])
        if s.fileno() == 3:
            os.set_inheritable(3, True)
            s.detach()
        else:
            os.dup2(s.fileno(), 3)  # inheritable, as dup2 makes it
            s.close()
        env = dict(os.environ, LISTEN_FDS="1")
        env["LISTEN_PID"] = str(os.getpid() if rest[1] == "self" else os.getppid())
        os.execvpe(frontend(), [frontend(), "--listen", "systemd"] + args, env)
    elif mode == "connected" and len(rest) == 1:
        sys.exit(connected(rest[0], args))
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
