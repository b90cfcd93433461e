"""table-password / table-secret: a credential column in delimited text or an SQL INSERT, its values
in the rows below; the span is the cell's value without quotes or padding."""

from __future__ import annotations

import pytest
from detector_support import flood_cpu_seconds
from support import CPU_CEILING

from sanitize import ScanConfig, scan
from sanitize.detectors.tables import DUMP_PASSWORD, DUMP_SECRET, TABLE_PASSWORD, TABLE_SECRET, is_column

CASES: list[tuple[str, list[str]]] = [
    # CSV, TSV, ';', quoted CSV
    ("username,password,email\nbob,Hx4$vB9nMq,bob@example.com\nann,Tr7#Lm2q9z,ann@example.com",
     ["Hx4$vB9nMq", "Tr7#Lm2q9z"]),
    ("user\tpass\nbob\tHx4$vB9nMq", ["Hx4$vB9nMq"]),
    ("id;login;pwd\n1;bob;Kx9#mQ2p\n2;ann;Lm3$nB8v", ["Kx9#mQ2p", "Lm3$nB8v"]),
    ('"user","password"\n"bob","Kx9#mQ2p"', ["Kx9#mQ2p"]),
    ('user,password\nbob,"Kx9,mQ2p"', ["Kx9,mQ2p"]),  # a quoted cell holds the delimiter
    ("user,password,role\nbob,MzAJ6VY.fm18ncn,admin", ["MzAJ6VY.fm18ncn"]),  # data: no attribute access
    # Markdown and ASCII tables
    ("| user | password |\n|---|---|\n| bob | Hx4$vB9nMq |", ["Hx4$vB9nMq"]),
    ("+------+----------+\n| user | password |\n+------+----------+\n| bob  | Kx9#mQ2p |\n+------+----------+",
     ["Kx9#mQ2p"]),
    # Markdown key/value rows: the first cell names the password, the second holds it (no rule row below)
    ("| Password | Tz9@rPq4Lm8w |", ["Tz9@rPq4Lm8w"]),
    ("| Host | db1.internal |\n| User | svc |\n| **DB password** | `Kw3#zQ8p` | rotated monthly |", ["Kw3#zQ8p"]),
    ("| **Password:** | `Tz9@rPq4Lm8w` |", ["Tz9@rPq4Lm8w"]),  # a colon after the name
    ("            (r'(vcl_pass|vcl_hash|vcl_hit|'", []),  # a regex's alternatives: the first cell names nothing
    ("| Password | ******** |", []),
    ("| password | string | The user's password |", []),  # API docs: the type column
    ("| Password | Description |\n|---|---|\n| Kx9#mQ2p | the admin's |", ["Kx9#mQ2p"]),  # a header
    ("| password | `<your password>` |", []),
    ("| password | hunter |", []),  # letters only: a description
    ("| DB Password (prod) | Rq9#xL2mKz8 |", ["Rq9#xL2mKz8"]),  # a qualifier in parentheses
    ("service,Password (staging),notes\nweb,Rq9#xL2mKz8,x", ["Rq9#xL2mKz8"]),
    ("| Password (hash) | sha256Xk9 |", []),  # the qualifier says what the column holds: about the password
    ("| Password (min length) | 12 |", []),
    ("| API key (staging) | b7c9e2f4a1d84e6f9c3b5a7d2e4f6a8c |", ["b7c9e2f4a1d84e6f9c3b5a7d2e4f6a8c"]),  # table-secret
    ("name,api_token,owner\nci,b7c9e2f4a1d84e6f9c3b5a7d2e4f6a8c,bob", ["b7c9e2f4a1d84e6f9c3b5a7d2e4f6a8c"]),
    ("id,key,value\n1,Xk9vQ2mLp8Rt7Yp3,foo", []),  # a bare `key` column: a dictionary's keys
    ("| Token (expires) | 2026-01-01 |", []),
    ("    yield before, orig_token\n    yield var.identifier, SYNTAX\n    yield from f(var.base, VARIABLE)", []),  # code
    # SQL INSERT, several rows
    ("INSERT INTO `users` (`id`, `email`, `password`) VALUES (1, 'a@b.co', 'Kx9#mQ2p'), (2, 'c@d.co', 'Lm3$nB8v');",
     ["Kx9#mQ2p", "Lm3$nB8v"]),
    ("\u0130" * 300 + "\nuser,password\nbob,Kx9#mQ2p\n\nmore", ["Kx9#mQ2p"]),  # str.lower() lengthens \u0130
    # hard negatives
    ("Reset your password, please\nThanks, Bob", []),  # prose with a comma is no header
    ("password, username\nnot set, unknown", []),  # an unquoted cell with a space is prose
    ("id,password_hash\n1,$2b$12$KIXQJrQ9v8e5q6hM1c2zUe", []),  # about the password, not the password
    ("name,password_changed_at\nbob,2024-01-02", []),
    ("user,password\nbob,<redacted>\nann,********\ncarl,${PASS}", []),  # placeholders
    ("| Field | Type |\n|---|---|\n| password | string |", []),  # a schema: password is a row, not a column
    ("col1,password\n1,\n2,", []),  # empty cells
    ("token,count\nthe,42\nand,17", []),  # secret values must look random
    ("INSERT INTO logs (msg, token_count) VALUES ('hello', 42);", []),
    ("user,password\nbob,Kx9#mQ2p,extra\n", []),  # a row with another shape ends the table
]  # fmt: skip


@pytest.mark.parametrize(("payload", "values"), CASES)
def test_table_columns(payload: str, values: list[str]) -> None:
    found = [
        payload[f.start : f.end] for f in scan([payload], ScanConfig(types=["password", "generic_secret"]))
    ]
    table = [
        payload[s:e] for d in (TABLE_PASSWORD, TABLE_SECRET) for s, e, _ in d.find(payload, 0, len(payload))
    ]
    assert [v for v in found if v in values or v in table] == values


@pytest.mark.parametrize(
    ("name", "kind", "column"),
    [("password", "password", True), ("DB Password", "password", True), ("pwd", "password", True),
     ("api_token", "secret", True), ("password_hash", "password", False), ("password_changed_at", "password", False),
     ("passport", "password", False), ("primaryKey", "secret", False), ("Password (prod)", "password", True),
     ("Password (hash)", "password", False), ("key", "secret", False), ("API key (staging)", "secret", True)],
)  # fmt: skip
def test_is_column(name: str, kind: str, column: bool) -> None:
    assert is_column(name, kind) is column


@pytest.mark.parametrize(
    "unit",
    ["pass,", "user,password\nbob,Kx9#mQ2p\n", "| password |", "| password | Kx9#mQ2p |\n", "| **pwd** | `a` ", "password,token\n", "x,pwd\n1,Kx9#mQ2p\n\n",
     "INSERT INTO t (password) VALUES ('Kx9#mQ2p'),"],
)  # fmt: skip
def test_linear_on_a_megabyte_of_tables(unit: str) -> None:
    """1 MB floods of headers, rows or tuples scale linearly (support.linear_cpu_seconds): a header
    line is at most ``before`` long and rows are read only ``after`` below a header."""
    best = flood_cpu_seconds(TABLE_PASSWORD, unit, ["password", "generic_secret"])
    assert best < CPU_CEILING


DUMPS: list[tuple[str, list[str]]] = [
    # mysqldump: the CREATE's column order, then INSERTs without a column list
    ("CREATE TABLE `users` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  `name` varchar(64) DEFAULT 'a, b',\n"
     "  `role` enum('admin','user'),\n  `password` varchar(255) NOT NULL,\n  PRIMARY KEY (`id`),\n"
     "  KEY `idx` (`name`)\n) ENGINE=InnoDB;\nLOCK TABLES `users` WRITE;\n"
     "INSERT INTO `users` VALUES (1,'alice','admin','Kx9#mQ2pZ'),(2,'bob','user','Lm3$nB8vW');",
     ["Kx9#mQ2pZ", "Lm3$nB8vW"]),
    ("CREATE TABLE IF NOT EXISTS app.api_clients (id INT, api_token TEXT);\n"
     "INSERT INTO app.api_clients VALUES (1, 'b7c9e2f4a1d84e6f9c3b5a7d2e4f6a8c');", ["b7c9e2f4a1d84e6f9c3b5a7d2e4f6a8c"]),
    # pg_dump: COPY's column list, tab-separated rows, \N for NULL, \. ends them
    ("COPY public.users (id, username, password) FROM stdin;\n1\talice\tKx9#mQ2pZ\n2\tbob\t\\N\n\\.\n",
     ["Kx9#mQ2pZ"]),
    # hard negatives
    ("CREATE TABLE users (id INT, password_hash TEXT);\nINSERT INTO users VALUES (1, 'Kx9#mQ2pZ');", []),
    ("CREATE TABLE users (id INT, password TEXT);\nINSERT INTO audit VALUES (1, 'Kx9#mQ2pZ');", []),  # another table
    ("CREATE TABLE users (id INT, password TEXT);\nINSERT INTO users VALUES (1, '$2b$12$KIXQJrQ9v8e5q6hM1c2zUe');",
     []),  # a hash
    ("Copy the file (see below) to the server.\n1\talice\tKx9#mQ2pZ", []),  # prose
    ("COPY users (id, password) FROM stdin;\n1\tKx9#mQ2pZ\textra\n", []),  # a row of another shape
    ("photocopy (password) from stdin;\n1\tKx9#mQ2pZ\n", []),  # COPY opens its line
    ("CREATE TABLE users (id INT, password TEXT);\nINSERT INTO users VALUES " + "(1, 'Zz'), " * 20000
     + "(2, 'Kx9#mQ2pZ');", ["Kx9#mQ2pZ"]),  # a long INSERT: its last row, ~240 KB below
]  # fmt: skip


@pytest.mark.parametrize(("payload", "values"), DUMPS)
def test_dump_columns(payload: str, values: list[str]) -> None:
    found = [
        (f.type, payload[f.start : f.end])
        for f in scan([payload], ScanConfig(types=["password", "generic_secret"]))
    ]
    dumps = {
        payload[s:e] for d in (DUMP_PASSWORD, DUMP_SECRET) for s, e, _ in d.find(payload, 0, len(payload))
    }
    assert sorted(v for _, v in found if v in dumps) == sorted(values), found


@pytest.mark.parametrize(
    "unit",
    ["create table t(", "create table t (password text);\n", "create table t (password text); insert into t values ('Kx9#mQ2pZ'),",
     "copy t (password) from stdin;\nKx9#mQ2pZ\n", "create table t (a ((((((", "copy t (password) from stdin;\n"],
)  # fmt: skip
def test_linear_on_a_megabyte_of_dumps(unit: str) -> None:
    """Each statement reads up to the next one: a flood of statements is one pass over the text."""
    for d in (DUMP_PASSWORD, DUMP_SECRET):
        assert flood_cpu_seconds(d, unit, [d.secret_type]) < CPU_CEILING
