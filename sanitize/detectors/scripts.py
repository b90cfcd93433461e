"""Credentials in operator scripts: ``vault login TOKEN`` and PowerShell ``Set-Variable -Name password
-Value "..."`` / ``New-Variable``.

Each pattern starts with a literal (``vault``, ``-variable``) and uses bounded quantifiers on
disjoint character classes, so it is linear in its window; the span is the value without its quotes or
backticks, and values go through the hard negatives (:func:`~.format_base.value_ok`).
"""

from __future__ import annotations

import re

from .format_base import _KEY, PatternDetector

# vault login [-flag[=x]]... TOKEN: the first word that is no flag and no key=value (-method=userpass
# username=bob password=... is an assignment, found as one); hvs./hvb./s. tokens or legacy UUIDs
VAULT_LOGIN = PatternDetector(
    "vault-login",
    "generic_secret",
    keywords=("vault login",),
    before=0,
    after=400,
    priority=30,
    kind="secret",
    literal=True,  # a command line: hvs.CAES... is no attribute access
    anchors=(("vault",),),
    patterns=(
        re.compile(
            r"\bvault[ \t]{1,3}login(?:[ \t]{1,3}-{1,2}[\w-]{1,40}(?:=[^\s]{0,200})?){0,6}[ \t]{1,3}"
            r"(?P<v>[A-Za-z0-9][A-Za-z0-9._-]{7,200})(?![^\s;|&])"
        ),
    ),
)


# quoted, or bare and not an expression ($var, (Read-Host ...), @{...}) or the next parameter (-Value)
_PS_VALUE = r"""(?P<v>"[^"\n]{1,200}"|'[^'\n]{1,200}'|[^\s"'`<;,(){}$@|-][^\s"'`<;,(){}$@|]{0,199})"""


def _powershell_variable(kind: str, secret_type: str) -> PatternDetector:
    """``Set-Variable [-Name] password [-Value] "V"`` (and ``New-Variable``), PowerShell's any case."""
    return PatternDetector(
        f"powershell-variable-{kind}",
        secret_type,
        keywords=("set-variable", "new-variable"),
        before=0,
        after=400,
        priority=30,
        kind=kind,
        anchors=(("set-variable", "new-variable"),),
        patterns=(
            re.compile(
                r"\b(?:set|new)-variable[ \t]{1,3}(?:-name[ \t]{1,3})?[\"']?" + _KEY
                + r"[\"']?[ \t]{1,3}(?:-value[ \t]{1,3})?" + _PS_VALUE,
                re.IGNORECASE,
            ),
        ),
    )  # fmt: skip


POWERSHELL_VARIABLE_PASSWORD = _powershell_variable("password", "password")
POWERSHELL_VARIABLE_SECRET = _powershell_variable("secret", "generic_secret")
DETECTORS = (
    VAULT_LOGIN,
    POWERSHELL_VARIABLE_PASSWORD,
    POWERSHELL_VARIABLE_SECRET,
)
