#!/usr/bin/env python3
"""A stand-in for a Nuts node's datadir, for the demo: SQLite stores in the Nuts layout
and a writer that keeps committing transactions (each commit also bumps a one-row head
counter, so a consistent copy has head.n == count(transactions)).

usage: demo_node_writer.py DATADIR [--seed-only]"""
import os, random, sqlite3, sys, time

datadir = sys.argv[1]
seed_only = "--seed-only" in sys.argv
rng = random.Random(7)

def store(rel):
    path = os.path.join(datadir, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    db.execute("pragma journal_mode=wal")
    return db

def payload(i):
    return f'{{"id":"did:nuts:{i:08x}","proof":"{rng.randbytes(300).hex()}"}}'

if seed_only:
    net = store("network/data.db")
    net.execute("create table if not exists transactions(id integer primary key, body text)")
    net.execute("create table if not exists head(n integer)")
    net.execute("begin")
    net.executemany("insert into transactions(body) values(?)", [(payload(i),) for i in range(20000)])
    net.execute("delete from head"); net.execute("insert into head values(20000)")
    net.execute("commit")
    for rel, n in (("vcr/backup-issued-credentials.db", 3000), ("vdr/didstore.db", 2000)):
        db = store(rel)
        db.execute("create table if not exists docs(id integer primary key, body text)")
        db.execute("begin")
        db.executemany("insert into docs(body) values(?)", [(payload(i),) for i in range(n)])
        db.execute("commit")
    os.makedirs(os.path.join(datadir, "events"), exist_ok=True)
    os.makedirs(os.path.join(datadir, "crypto"), exist_ok=True)
    with open(os.path.join(datadir, "vcr/trusted_issuers.yaml"), "w") as f:
        f.write("NutsOrganizationCredential:\n" + "".join(f"  - did:nuts:issuer-{i}\n" for i in range(5)))
    sys.exit(0)

net = store("network/data.db")
n = net.execute("select count(*) from transactions").fetchone()[0]
while True:
    net.execute("begin immediate")
    net.executemany("insert into transactions(body) values(?)", [(payload(n + j),) for j in range(20)])
    n += 20
    net.execute("update head set n=?", (n,))
    net.execute("commit")
    time.sleep(0.01)
