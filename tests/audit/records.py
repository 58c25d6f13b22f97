"""records.py - compare an audit trail with the records a test expects.

Used by tests/audit/run.sh (its python3 heredocs put this directory on
sys.path).  Every mismatch is printed as a TAP comment ("# ...").
"""
import json
import re

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
ROOT = dict(uid=0, gid=0)
USER = dict(uid=1000, gid=1000)


def R(**kw):
    """One expected record (its session is added by compare())."""
    return kw


def load(path):
    return [json.loads(line) for line in open(path, "rb")]


def compare(recs, got, expected, peer_re):
    """How many of `got` (a selection of `recs`, the whole trail) differ from
    `expected`, one for one and in order.  Every record must carry the trail's
    session and a well-formed time; session_start's peer must match peer_re."""
    bad = 0
    session = recs[0].get("session")
    if not isinstance(session, int) or session < 1:
        print("# first record has no session: %r" % recs[0])
        bad += 1
    if len(got) != len(expected):
        print("# %d records, expected %d" % (len(got), len(expected)))
        bad += 1
    for g, e in zip(got, expected):
        g = dict(g)
        want = dict(e, session=session)
        if g["op"] == "session_start":
            want["peer"] = g.get("peer", "")
            if not re.match(peer_re, want["peer"]):
                print("# peer %r does not match %s" % (want["peer"], peer_re))
                bad += 1
        t = g.pop("time", "")
        if not TIME.match(t):
            print("# time %r" % t)
            bad += 1
        if g != want:
            print("# got      %s\n# expected %s" % (json.dumps(g, sort_keys=True),
                                                json.dumps(want, sort_keys=True)))
            bad += 1
    return bad
